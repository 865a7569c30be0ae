import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRevocations } from '../../server/auth/revocation-sync.js';
import { loadConfig } from '../../server/config.js';
import { postgresConnection } from '../../server/db/connect.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { loginPair, registerUser, tokenStatus } from '../helpers/accounts.js';
import { pgbouncerInstalled, startPgBouncer, type PgBouncer } from '../helpers/pgbouncer.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

// CI installs PgBouncer (Debian's package) and sets REQUIRE_PGBOUNCER: there, a missing one fails instead of skipping.
if (testDriver === 'postgres' && !pgbouncerInstalled && process.env.REQUIRE_PGBOUNCER) {
  throw new Error('REQUIRE_PGBOUNCER is set but pgbouncer is not installed');
}

/** A server whose queries go through PgBouncer in transaction mode, listening on `listenUrl` (or through it too). */
function throughPooler(bouncer: PgBouncer, listenUrl?: string) {
  return { ...postgresConnection(bouncer.url, { listenUrl }), url: bouncer.url };
}

describe.runIf(testDriver === 'postgres' && pgbouncerInstalled)('behind PgBouncer in transaction mode', () => {
  let database: TestDatabase;
  let bouncer: PgBouncer;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
    bouncer = await startPgBouncer(database.url!);
  });
  afterAll(async () => {
    await bouncer?.stop();
    await database.close();
  });

  it('logs in many at once (no prepared statement clash) and a logout on one worker is refused by the other at once, with DATABASE_LISTEN_URL direct', async () => {
    const a: TestApp = await createTestApp({}, throughPooler(bouncer, database.url));
    const b: TestApp = await createTestApp({}, throughPooler(bouncer, database.url));
    try {
      const account = await registerUser(a);
      // Concurrent logins share PgBouncer's server connections: named prepared statements would collide.
      const pairs = await Promise.all(
        Array.from({ length: 8 }, (_, index) => loginPair(index % 2 ? a : b, account.username, account.password)),
      );
      for (const pair of pairs.slice(0, 4)) {
        expect(await tokenStatus(b, pair.accessToken)).toBe('OK');
        await a.graphql('mutation { logout }', { token: pair.accessToken });
        // No wait, no poll: refused by the other server on its very next request.
        expect(await tokenStatus(b, pair.accessToken)).toBe('TOKEN_REVOKED');
        expect(await tokenStatus(a, pair.accessToken)).toBe('TOKEN_REVOKED');
      }
      expect(b.revocations.status()).toBe('memory');
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('says at start that it cannot listen through the pooler without DATABASE_LISTEN_URL', async () => {
    const connection = postgresConnection(bouncer.url);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: bouncer.url, JWT_SECRET: 'x'.repeat(40) });
    try {
      await expect(startRevocations(config, connection, createLogger('silent'))).rejects.toThrow(
        /transaction pooler such as PgBouncer: set DATABASE_LISTEN_URL/,
      );
    } finally {
      await connection.close();
    }
  });
});
