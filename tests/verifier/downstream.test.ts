import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHANGE_PASSWORD, LOGIN, PASSWORD, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { startDownstreamProcess, type DownstreamProcess } from '../helpers/downstream-process.js';
import { runTessera } from '../helpers/run-command.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { TEST_JWT_SECRET } from '../helpers/test-app.js';
import {
  createPGliteDataDirectory,
  createTestDatabase,
  testDriver,
  type TestDatabase,
} from '../helpers/test-database.js';
import { startHttpGate, type HttpGate } from './http-gate.js';

const ROOT_PASSWORD = 'the root passphrase, typed once';

const post = (url: string, query: string, variables: Record<string, unknown> = {}, token?: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  }).then(async (response) => ({
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as any,
  }));

// Issue #16, items 7 and 8: Tessera and the orders example as two processes, the orders service trusting tokens only
// through `tessera/verifier`. Every revocation at Tessera is refused downstream on the next request (polled briefly:
// it travels Postgres NOTIFY -> Tessera's feed -> the service), and still while the feed is cut (introspection).
describe('examples/downstream, a service that trusts Tessera only through tessera/verifier', () => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;
  let tessera: ServerProcess;
  let gate: HttpGate;
  let orders: DownstreamProcess;
  let rootToken: string | undefined;

  const feed = async () => ((await fetch(`${orders.url}/verifier-status`).then((r) => r.json())) as any).feed;
  const myOrders = (token?: string) => post(orders.url, '{ myOrders { id item } }', {}, token);
  /** What the orders service says of a token: 'OK', or the reason it refuses it. */
  const downstream = async (token: string) => {
    const { status, body } = await myOrders(token);
    if (status === 200 && body.data?.myOrders) return 'OK';
    return String(body.errors?.[0]?.extensions?.reason ?? body.errors?.[0]?.extensions?.code ?? status);
  };
  const register = async () => {
    const username = uniqueUsername('orders');
    const { body } = await post(tessera.url, REGISTER, { username, password: PASSWORD });
    const result = body.data.register;
    return { username, id: result.user.id as string, token: result.accessToken as string };
  };
  const login = async (username: string, password = PASSWORD) =>
    (await post(tessera.url, LOGIN, { username, password })).body.data.login.accessToken as string;

  beforeAll(async () => {
    env = { JWT_SECRET: TEST_JWT_SECRET, JWT_ALGORITHM: 'ES256', RATE_LIMIT_ADDRESS: '1000000/1m' };
    if (testDriver === 'postgres') {
      database = await createTestDatabase();
      env.DATABASE_URL = database.url!;
    } else {
      // Embedded PGlite takes one process at a time: the operator's commands run before Tessera starts.
      dataDir = await mkdtemp(join(tmpdir(), 'tessera-downstream-'));
      await createPGliteDataDirectory(dataDir);
      env.TESSERA_DATA_DIR = dataDir;
      const root = await runTessera(['create-user', 'root', '--admin'], env, `${ROOT_PASSWORD}\n`);
      expect(root.code, root.stderr).toBe(0);
    }
    const created = await runTessera(['service', 'create', 'orders'], env);
    expect(created.code, created.stderr).toBe(0);
    const id = /id:\s+(svc_\S+)/.exec(created.stdout)?.[1];
    const secret = /secret:\s+(\S+)/.exec(created.stdout)?.[1];
    expect(id && secret).toBeTruthy();

    tessera = await startServerProcess(env);
    gate = await startHttpGate(tessera.url);
    orders = await startDownstreamProcess({
      TESSERA_URL: gate.url,
      TESSERA_SERVICE_ID: id!,
      TESSERA_SERVICE_SECRET: secret!,
    });
    // (expect.poll is for tests, not hooks.)
    for (const deadline = Date.now() + 10_000; (await feed()) !== 'live';) {
      if (Date.now() > deadline) throw new Error(`The feed did not go live:\n${orders.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (dataDir) rootToken = await login('root', ROOT_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await orders?.stop();
    await gate?.stop();
    await tessera?.stop();
    await database?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers myOrders for the viewer, and 401 without a token or with one it refuses', async () => {
    const alice = await register();
    const bob = await register();
    const placed = await post(orders.url, 'mutation { placeOrder(item: "tea") { id item } }', {}, alice.token);
    expect(placed.body.data.placeOrder.item).toBe('tea');
    expect((await myOrders(alice.token)).body).toEqual({ data: { myOrders: [placed.body.data.placeOrder] } });
    expect((await myOrders(bob.token)).body).toEqual({ data: { myOrders: [] } });

    const anonymous = await myOrders();
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const forged = await myOrders(`${alice.token.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(forged.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' });
  });

  it('refuses a logout and a logoutAll at Tessera on the next request', async () => {
    const user = await register();
    const other = await login(user.username);
    expect(await downstream(user.token)).toBe('OK');
    expect(await downstream(other)).toBe('OK');

    await post(tessera.url, 'mutation { logout }', {}, user.token);
    await expect.poll(() => downstream(user.token), { timeout: 2_000, interval: 5 }).toBe('TOKEN_REVOKED');
    expect(await downstream(other)).toBe('OK');

    const third = await login(user.username);
    await post(tessera.url, 'mutation { logoutAll }', {}, third);
    await expect.poll(() => downstream(other), { timeout: 2_000, interval: 5 }).toBe('TOKEN_REVOKED');
    expect(await downstream(third)).toBe('TOKEN_REVOKED');
  });

  it('refuses tokens older than a role change (tessera set-role) or a password change', async () => {
    const user = await register();
    expect(await downstream(user.token)).toBe('OK');
    if (testDriver === 'postgres') {
      const result = await runTessera(['set-role', user.username, 'ADMIN'], env);
      expect(result.code, result.stderr).toBe(0);
    } else {
      // PGlite's data directory is Tessera's while it runs: the same change, made by an admin over GraphQL.
      const changed = await post(
        tessera.url,
        'mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { role } }',
        { id: user.id },
        rootToken,
      );
      expect(changed.body.data).toEqual({ setUserRole: { role: 'ADMIN' } });
    }
    await expect.poll(() => downstream(user.token), { timeout: 2_000, interval: 5 }).toBe('TOKEN_STALE');

    const fresh = await login(user.username);
    const elsewhere = await login(user.username);
    expect(await downstream(fresh)).toBe('OK');
    await post(tessera.url, CHANGE_PASSWORD, { current: PASSWORD, next: 'another long passphrase' }, fresh);
    await expect.poll(() => downstream(fresh), { timeout: 2_000, interval: 5 }).toBe('TOKEN_STALE');
    expect(await downstream(elsewhere)).toBe('TOKEN_REVOKED');
  });

  it('with the feed cut, refuses revocations through introspection; after reconnect, holds the state again', async () => {
    const user = await register();
    const kept = await register();
    expect(await downstream(user.token)).toBe('OK');

    gate.close('/revocations');
    await expect.poll(feed, { timeout: 10_000 }).not.toBe('live');
    // Nothing proves the memory current now: every token is asked about at Tessera.
    await post(tessera.url, 'mutation { logout }', {}, user.token);
    expect(await downstream(user.token)).toBe('TOKEN_REVOKED');
    expect(await downstream(kept.token)).toBe('OK');

    gate.open('/revocations');
    await expect.poll(feed, { timeout: 15_000 }).toBe('live');
    // Introspection closed: what is refused now is refused from the state the feed brought back.
    gate.close('/oauth/introspect');
    try {
      expect(await downstream(user.token)).toBe('TOKEN_REVOKED');
      expect(await downstream(kept.token)).toBe('OK');
      await post(tessera.url, 'mutation { logout }', {}, kept.token);
      await expect.poll(() => downstream(kept.token), { timeout: 2_000, interval: 5 }).toBe('TOKEN_REVOKED');
    } finally {
      gate.open('/oauth/introspect');
    }
  });

  it('while Tessera is away answers 503 rather than trust what it cannot check; a restarted Tessera sends a snapshot', async () => {
    const user = await register();
    const kept = await register();
    await post(tessera.url, 'mutation { logout }', {}, user.token);
    await expect.poll(() => downstream(user.token), { timeout: 2_000, interval: 5 }).toBe('TOKEN_REVOKED');

    await tessera.stop();
    await expect.poll(feed, { timeout: 10_000 }).not.toBe('live');
    const away = await myOrders(kept.token);
    expect(away.status).toBe(503);
    expect(away.body.errors[0].extensions.code).toBe('TESSERA_UNAVAILABLE');
    // A revocation already known is refused all the same.
    expect(await downstream(user.token)).toBe('TOKEN_REVOKED');

    tessera = await startServerProcess(env);
    gate.retarget(tessera.url);
    await expect.poll(feed, { timeout: 15_000 }).toBe('live');
    gate.close('/oauth/introspect');
    try {
      expect(await downstream(user.token)).toBe('TOKEN_REVOKED');
      expect(await downstream(kept.token)).toBe('OK');
    } finally {
      gate.open('/oauth/introspect');
    }
  });
});
