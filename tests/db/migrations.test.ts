import { Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrateToLatest } from '../../server/db/migrate.js';
import { migrations } from '../../migrations/index.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const tables = async () =>
  (
    await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(database.db)
  ).rows.map((row) => row.table_name);

describe(`migrations on ${testDriver}`, () => {
  it('apply once, then find nothing to do', async () => {
    const applied = await migrateToLatest(database.db);
    expect(applied.map((result) => [result.migrationName, result.status])).toEqual(
      Object.keys(migrations).map((name) => [name, 'Success']),
    );
    expect(await tables()).toEqual([
      'auth_events',
      'email_tokens',
      'mail_outbox',
      'mfa_challenges',
      'mfa_factors',
      'mfa_recovery_codes',
      'passkeys',
      'rate_limits',
      'refresh_tokens',
      'revoked_tokens',
      'service_credentials',
      'sessions',
      'signing_keys',
      'tombstones',
      'users',
      'webauthn_challenges',
    ]);
    expect(await migrateToLatest(database.db)).toEqual([]);
  });

  it('enforce usernames unique without regard to case in the database itself', async () => {
    const insert = (id: string, username: string) =>
      database.db.insertInto('users').values({ id, username, password_hash: 'x' }).execute();
    await insert('00000000-0000-4000-8000-000000000001', 'Case');
    await expect(insert('00000000-0000-4000-8000-000000000002', 'cASE')).rejects.toThrow();
  });

  it('roll all the way back and forward again', async () => {
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } });
    const { error } = await migrator.migrateTo(NO_MIGRATIONS);
    expect(error).toBeUndefined();
    expect(await tables()).toEqual([]);
    expect(await migrateToLatest(database.db)).toHaveLength(Object.keys(migrations).length);
  });
});
