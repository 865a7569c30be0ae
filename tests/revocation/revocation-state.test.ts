import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RevocationState } from '../../server/auth/revocation-state.js';
import { startMemoryRevocations } from '../../server/auth/revocation-sync.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const claims = (overrides: Partial<Parameters<RevocationState['check']>[0]> = {}) => ({
  userId: 'u1',
  sessionId: 's1',
  jti: 'j1',
  role: 'USER' as const,
  tokenVersion: 0,
  expiresAt: 0,
  ...overrides,
});

describe('RevocationState', () => {
  it("refuses a blacklisted jti or a revoked session, and a version below the user's", () => {
    const state = new RevocationState();
    const until = Date.now() + 60_000;
    expect(state.check(claims())).toBeNull();
    state.apply({ type: 'token', jti: 'j1', until });
    state.apply({ type: 'session', sessionId: 's2', until });
    state.apply({ type: 'user', userId: 'u3', version: 2 });
    expect(state.check(claims())).toBe('TOKEN_REVOKED');
    expect(state.check(claims({ jti: 'j2', sessionId: 's2' }))).toBe('TOKEN_REVOKED');
    expect(state.check(claims({ jti: 'j2', userId: 'u3', tokenVersion: 1 }))).toBe('TOKEN_STALE');
    expect(state.check(claims({ jti: 'j2', userId: 'u3', tokenVersion: 2 }))).toBeNull();
    // Versions only go up: an older event arriving late changes nothing.
    state.apply({ type: 'user', userId: 'u3', version: 1 });
    expect(state.check(claims({ jti: 'j2', userId: 'u3', tokenVersion: 1 }))).toBe('TOKEN_STALE');
  });

  it('stays bounded: 100,000 revoked short-lived tokens, once expired, leave it empty', () => {
    const state = new RevocationState();
    const until = Date.now() + 1_000;
    for (let i = 0; i < 100_000; i++) state.apply({ type: 'token', jti: `jti-${i}`, until });
    expect(state.size.tokens).toBe(100_000);
    state.sweep(Date.now());
    expect(state.size.tokens).toBe(100_000); // not yet expired: all kept
    state.sweep(until + 1);
    expect(state.size).toEqual({ tokens: 0, sessions: 0, users: 0, deletedUsers: 0 });
  });

  it('refuses every token of a deleted user until its last could have expired, and forgets its version', () => {
    const state = new RevocationState();
    const until = Date.now() + 60_000;
    state.apply({ type: 'user', userId: 'u1', version: 3 });
    state.apply({ type: 'user-deleted', userId: 'u1', until });
    expect(state.check(claims({ tokenVersion: 3 }))).toBe('TOKEN_REVOKED');
    expect(state.check(claims({ userId: 'u2' }))).toBeNull();
    // A late version event does not bring the user back into memory.
    state.apply({ type: 'user', userId: 'u1', version: 4 });
    expect(state.size).toMatchObject({ users: 0, deletedUsers: 1 });
    state.sweep(until + 1);
    expect(state.size).toEqual({ tokens: 0, sessions: 0, users: 0, deletedUsers: 0 });
  });
});

describe('loading revocations at start', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
  });
  afterAll(() => database.close());

  it('loads what is live from the database, and expired entries are swept away', async () => {
    const userId = '00000000-0000-4000-8000-000000000001';
    await database.db.insertInto('users').values({ id: userId, username: 'bulk', password_hash: 'x' }).execute();
    await sql`
      insert into revoked_tokens (jti, user_id, expires_at)
      select 'bulk-' || n, ${userId}::uuid, now() + interval '1 minute' from generate_series(1, 100000) as n
    `.execute(database.db);
    await sql`insert into revoked_tokens (jti, user_id, expires_at) values ('old', ${userId}::uuid, now() - interval '1 hour')`.execute(
      database.db,
    );
    const revocations = await startMemoryRevocations(database, createLogger('silent'), { trustWindowMs: 1_000 });
    try {
      expect(revocations.state!.size.tokens).toBe(100_000); // the expired one is not loaded
      revocations.state!.sweep(Date.now() + 61_000);
      expect(revocations.state!.size.tokens).toBe(0);
    } finally {
      await revocations.close();
    }
  });
});
