import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { postgresConnection } from '../../server/db/connect.js';
import { CHANGE_PASSWORD, LOGIN, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The revocation promise under the faults a network brings: a listening connection that goes silent without closing
// (a NAT or firewall that forgot it), one that is slow, one that is cut, and a database that stops answering.
// Each server under test reaches Postgres through a TCP proxy that can do that to one of its connections.
const TRUST_WINDOW_MS = 500;
const env = { REVOCATION_TRUST_WINDOW: `${TRUST_WINDOW_MS}ms` };

describe.runIf(testDriver === 'postgres')('the revocation promise under network faults', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let a: TestApp;
  const extra: TestApp[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy(database.url!);
    a = await createTestApp(env, database, { keepDatabaseOpen: true });
  });
  afterEach(async () => {
    for (const app of extra.splice(0)) await app.close();
  });
  afterAll(async () => {
    await a?.close();
    await proxy?.close();
    await database?.close();
  });

  /** Another server whose connections (pool and listener) go through the proxy; its listener is named `name`. */
  async function serverThroughProxy(name: string, timeoutMs?: number): Promise<TestApp> {
    const connection = postgresConnection(proxy.url, { timeoutMs, listener: { applicationName: name } });
    const app = await createTestApp(env, { ...connection, url: proxy.url });
    extra.push(app);
    return app;
  }
  const health = async (app: TestApp) => (await app.yoga.fetch('http://localhost/health')).json();
  const logout = (app: TestApp, token: string) => app.graphql('mutation { logout }', { token });

  it('a server whose listener connection is black-holed refuses a token as soon as its logout elsewhere answers, and says so', async () => {
    const b = await serverThroughProxy('tessera-fault-b1');
    const account = await registerUser(a);
    expect(await tokenStatus(b, account.accessToken)).toBe('OK');
    expect(await health(b)).toMatchObject({ status: 'ok', revocation: 'memory' });

    expect(proxy.blackhole('tessera-fault-b1')).toBe(1);
    // A waits for B's acknowledgement, which cannot come: it answers once the trust window has passed, when B has
    // stopped trusting its memory.
    expect((await logout(a, account.accessToken)).body).toEqual({ data: { logout: true } });
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_REVOKED');
    expect(await health(b)).toMatchObject({ status: 'degraded', revocation: 'database-fallback' });
    // Tokens are checked against the database from the moment the echo is late; the watch that says so in the log
    // looks every quarter of the trust window.
    for (let i = 0; i < 40 && !b.logs.join('').includes('No heartbeat echo'); i++) await sleep(50);
    expect(b.logs.join('')).toContain('No heartbeat echo from the revocation listener');

    // The silent connection is given up and made again; memory is reloaded and trusted once more.
    for (let i = 0; i < 200 && b.revocations.status() !== 'memory'; i++) await sleep(50);
    expect(await health(b)).toMatchObject({ status: 'ok', revocation: 'memory' });
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_REVOKED');
    const next = await registerUser(a);
    await logout(a, next.accessToken);
    expect(await tokenStatus(b, next.accessToken)).toBe('TOKEN_REVOKED');
  });

  it('a server whose listener is slow refuses at once: the revoking server answers after its acknowledgement', async () => {
    // 100 ms on what Postgres sends to C's listener: inside the window (heartbeat echoes 100 to 225 ms old against
    // 500 ms, margin for a busy machine), so C keeps trusting its memory.
    const c = await serverThroughProxy('tessera-fault-c');
    expect(proxy.delayToClient('tessera-fault-c', 100)).toBe(1);
    for (let i = 0; i < 50 && c.revocations.status() !== 'memory'; i++) await sleep(20);
    expect(c.revocations.status()).toBe('memory');
    const account = await registerUser(a);
    await logout(a, account.accessToken);
    expect(await tokenStatus(c, account.accessToken)).toBe('TOKEN_REVOKED');
    expect(c.revocations.status()).toBe('memory');

    // A revoking server that cannot hear its own notice back (its listener cut, reconnecting slowly) must not answer
    // before the window has passed: by then C, 100 ms behind, has the logout.
    const d = await serverThroughProxy('tessera-fault-d');
    const other = await registerUser(a);
    await d.database.db.executeQuery(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name like '%/tessera-fault-d'`.compile(
        d.database.db,
      ),
    );
    for (let i = 0; i < 50 && d.revocations.status() === 'memory'; i++) await sleep(20);
    expect((await logout(d, other.accessToken)).body).toEqual({ data: { logout: true } });
    expect(await tokenStatus(c, other.accessToken)).toBe('TOKEN_REVOKED');
    expect(await tokenStatus(a, other.accessToken)).toBe('TOKEN_REVOKED');
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After when a request waits on a lock past DATABASE_TIMEOUT', async () => {
    const e = await serverThroughProxy('tessera-fault-e', 300);
    const account = await registerUser(e);
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from users where id = $1 for update', [account.id]);
      const { status, headers, body } = await e.graphql(CHANGE_PASSWORD, {
        token: account.accessToken,
        variables: { current: account.password, next: 'a new and long passphrase' },
      });
      expect(status).toBe(503);
      expect(headers.get('retry-after')).toBe('5');
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'DATABASE_UNAVAILABLE' });
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  });

  it('during a database outage answers 503 DATABASE_UNAVAILABLE, not a masked 500, and /health answers at once', async () => {
    const f = await serverThroughProxy('tessera-fault-f', 1_000);
    const account = await registerUser(f);
    proxy.cutAll();
    try {
      for (let i = 0; i < 100 && f.revocations.status() === 'memory'; i++) await sleep(20);
      expect(f.revocations.status()).toBe('database-fallback');

      const me = await f.graphql('{ me { id } }', { token: account.accessToken });
      expect(me.status).toBe(503);
      expect(me.headers.get('retry-after')).toBe('5');
      expect(me.body.errors?.[0]).toMatchObject({
        message: 'The database is not answering. Try again shortly.',
        extensions: { code: 'DATABASE_UNAVAILABLE' },
      });
      const login = await f.graphql(LOGIN, { variables: { username: account.username, password: account.password } });
      expect(login.status).toBe(503);
      expect(login.body.errors?.[0]?.extensions).toEqual({ code: 'DATABASE_UNAVAILABLE' });

      const response = await f.yoga.fetch('http://localhost/health');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'error' });
      expect(f.logs.join('')).not.toContain(account.password);
    } finally {
      proxy = await restartProxy(proxy, database);
    }
  });

  it('/health answers within a second while the database is silent', async () => {
    const g = await serverThroughProxy('tessera-fault-g', 5_000);
    // Every open connection of G goes silent; the pool's next query waits on one of them.
    proxy.blackhole('');
    try {
      const started = performance.now();
      const response = await g.yoga.fetch('http://localhost/health');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'error', database: 'timeout' });
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      proxy = await restartProxy(proxy, database);
    }
  });
});

/** A fresh proxy after one was cut: the servers that used it are closed by the test that cut it. */
async function restartProxy(proxy: TcpProxy, database: TestDatabase): Promise<TcpProxy> {
  await proxy.close();
  return startTcpProxy(database.url!);
}
