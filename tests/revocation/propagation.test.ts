import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { postgresConnection } from '../../server/db/connect.js';
import type { PgListenerOptions } from '../../server/db/pg-listener.js';
import { createUserService } from '../../server/users/user.service.js';
import { CHANGE_PASSWORD, loginPair, refresh, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createPeerApp, createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';
import { decodeClaims } from '../helpers/tokens.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Two servers on one database, each with its own revocation state (on Postgres, its own pool and listener; on
// PGlite, the same code path in one process). Every revocation made through one must be refused by the other on
// the very next request: these tests never poll or wait before checking.
describe('revocation across servers on one database', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await createTestApp({}, database, { keepDatabaseOpen: true });
    b = await createPeerApp(database);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await database.close();
  });

  it('logout on one is refused by the other', async () => {
    const account = await registerUser(a);
    expect(await tokenStatus(b, account.accessToken)).toBe('OK');
    await a.graphql('mutation { logout }', { token: account.accessToken });
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_REVOKED');
  });

  it('logoutAll, revokeSession and refresh token reuse on one are refused by the other', async () => {
    const account = await registerUser(a);
    const second = await loginPair(a, account.username, account.password);
    const third = await loginPair(a, account.username, account.password);

    const sid = decodeClaims(second.accessToken).sid;
    await a.graphql('mutation($id: ID!) { revokeSession(id: $id) }', {
      token: account.accessToken,
      variables: { id: sid },
    });
    expect(await tokenStatus(b, second.accessToken)).toBe('TOKEN_REVOKED');

    await refresh(a, third.refreshToken);
    await refresh(a, third.refreshToken); // inside the grace window: the same pair, no revocation
    expect(await tokenStatus(b, third.accessToken)).toBe('OK');

    await a.graphql('mutation { logoutAll }', { token: account.accessToken });
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_REVOKED');
    expect(await tokenStatus(b, third.accessToken)).toBe('TOKEN_REVOKED');
  });

  it('a password change or a role change on one makes older tokens stale on the other', async () => {
    const account = await registerUser(a);
    const other = await loginPair(a, account.username, account.password);
    await a.graphql(CHANGE_PASSWORD, {
      token: account.accessToken,
      variables: { current: account.password, next: 'another long passphrase' },
    });
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_STALE');
    expect(await tokenStatus(b, other.accessToken)).toBe('TOKEN_REVOKED');

    const promoted = await registerUser(a);
    await createUserService({ db: a.database.db, revocations: a.revocations }).setRole({ id: promoted.id }, 'ADMIN');
    expect(await tokenStatus(b, promoted.accessToken)).toBe('TOKEN_STALE');
  });

  it('a server started after the revocations refuses them too', async () => {
    const account = await registerUser(a);
    await a.graphql('mutation { logout }', { token: account.accessToken });
    const late = await createPeerApp(database);
    try {
      expect(await tokenStatus(late, account.accessToken)).toBe('TOKEN_REVOKED');
    } finally {
      await late.close();
    }
  });
});

describe('a logout with every process healthy', () => {
  // A window far longer than any healthy acknowledgement: waiting it out would show as a ten-second logout.
  const env = { REVOCATION_TRUST_WINDOW: '10s' };
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await createTestApp(env, database, { keepDatabaseOpen: true });
    b = await createPeerApp(database, env);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.close();
  });

  it('answers as soon as every process has acknowledged, not after the trust window', async () => {
    const account = await registerUser(a);
    const started = performance.now();
    await a.graphql('mutation { logout }', { token: account.accessToken });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_REVOKED');
  });
});

describe('JWT_CLOCK_TOLERANCE and a server started later', () => {
  const env = { ACCESS_TOKEN_TTL: '1s', JWT_CLOCK_TOLERANCE: '30s' };
  let database: TestDatabase;
  let a: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await createTestApp(env, database, { keepDatabaseOpen: true });
  });
  afterAll(async () => {
    await a?.close();
    await database?.close();
  });

  it('loads the revocations of tokens expired but still inside the tolerance', async () => {
    const account = await registerUser(a);
    await a.graphql('mutation { logout }', { token: account.accessToken });
    await sleep(1_500); // past the token's exp, well inside the 30 s tolerance that still accepts it
    const late = await createPeerApp(database, env);
    try {
      expect(await tokenStatus(a, account.accessToken)).toBe('TOKEN_REVOKED');
      expect(await tokenStatus(late, account.accessToken)).toBe('TOKEN_REVOKED');
    } finally {
      await late.close();
    }
  });
});

describe.runIf(testDriver === 'postgres')('when the listener connection is lost', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await createTestApp({}, database, { keepDatabaseOpen: true });
    // B reconnects slowly, so the test can act while it is disconnected.
    b = await createTestApp(
      {},
      await secondConnection(database, { applicationName: 'tessera-test-b', reconnectDelayMs: 1_500 }),
    );
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await database.close();
  });

  const health = async (app: TestApp) => (await app.yoga.fetch('http://localhost/health')).json();

  it('falls back to the database (refusing what is revoked meanwhile), then reloads and trusts memory again', async () => {
    const account = await registerUser(a);
    const other = await loginPair(a, account.username, account.password);
    expect(await health(b)).toMatchObject({ status: 'ok', revocation: 'memory' });

    await a.database.db.executeQuery(
      // Kill B's listening connection, as a network failure or a Postgres restart would.
      (await import('kysely')).sql`
        select pg_terminate_backend(pid) from pg_stat_activity where application_name like '%/tessera-test-b'
      `.compile(a.database.db),
    );
    for (let i = 0; i < 50 && b.revocations.status() === 'memory'; i++) await sleep(20);
    expect(b.revocations.status()).toBe('database-fallback');
    expect(await health(b)).toMatchObject({ status: 'degraded', revocation: 'database-fallback' });
    expect(b.logs.join('')).toContain('Lost the revocation listener connection');

    // Revoked while B hears nothing: B checks the database, so it refuses anyway.
    await a.graphql('mutation { logout }', { token: account.accessToken });
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_REVOKED');
    expect(await tokenStatus(b, other.accessToken)).toBe('OK');

    for (let i = 0; i < 200 && b.revocations.status() !== 'memory'; i++) await sleep(25);
    expect(b.revocations.status()).toBe('memory');
    expect(await health(b)).toMatchObject({ status: 'ok', revocation: 'memory' });
    // Exactly one listening connection came back (no pile of retries).
    const { rows } = await (
      await import('kysely')
    ).sql<{ n: string }>`
      select count(*) as n from pg_stat_activity where application_name like 'tessera-listener/%/tessera-test-b'
    `.execute(a.database.db);
    expect(Number(rows[0]!.n)).toBe(1);
    // Back on memory: what was missed while disconnected was reloaded...
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_REVOKED');
    // ...and new revocations arrive as before.
    await a.graphql('mutation { logout }', { token: other.accessToken });
    expect(await tokenStatus(b, other.accessToken)).toBe('TOKEN_REVOKED');
  });
});

/** Another connection (pool and listener) to the same Postgres database: what a second process would have. */
async function secondConnection(database: TestDatabase, listenerOptions?: PgListenerOptions): Promise<TestDatabase> {
  const connection = postgresConnection(database.url!, { listener: listenerOptions });
  return { ...connection, url: database.url };
}
