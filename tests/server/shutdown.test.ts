import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHANGE_PASSWORD, PASSWORD, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { startServerProcess } from '../helpers/server-process.js';
import { TEST_JWT_SECRET } from '../helpers/test-app.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

const post = (url: string, query: string, variables: Record<string, unknown>, token?: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });

// A row lock only another connection can hold: Postgres.
describe.runIf(testDriver === 'postgres')('SIGTERM with a request stuck on a row lock', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());

  it('exits within SHUTDOWN_TIMEOUT and a second, though the lock is held far longer', async () => {
    const server = await startServerProcess({
      DATABASE_URL: database.url!,
      JWT_SECRET: TEST_JWT_SECRET,
      SHUTDOWN_TIMEOUT: '1s',
      DATABASE_TIMEOUT: '60s', // the lock wait alone would keep the request (and, before, the process) alive
    });
    const registered = (await (
      await post(server.url, REGISTER, { username: uniqueUsername(), password: PASSWORD })
    ).json()) as any;
    const { accessToken, user } = registered.data.register;

    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from users where id = $1 for update', [user.id]);
      const stuck = post(
        server.url,
        CHANGE_PASSWORD,
        { current: PASSWORD, next: 'another long passphrase' },
        accessToken,
      )
        .then((response) => response.status)
        .catch(() => 'cut');
      // The change has checked the password and now waits for the lock.
      for (let i = 0; i < 100; i++) {
        const { rows } = await holder.query(`select count(*)::int as n from pg_locks where not granted`);
        if (rows[0].n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      const started = performance.now();
      const code = await server.stop();
      const took = performance.now() - started;
      expect(took).toBeLessThan(1_000 + 1_000);
      expect(code).not.toBeNull(); // it exited by itself, not by the helper's SIGKILL
      expect(await stuck).toBe('cut');
    } finally {
      await holder.query('rollback').catch(() => {});
      await holder.end();
    }
  });
});

describe('SIGTERM under traffic', () => {
  let database: TestDatabase;
  const dataDirs: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  });

  async function start() {
    const env: Record<string, string> = { JWT_SECRET: TEST_JWT_SECRET, SHUTDOWN_TIMEOUT: '10s' };
    if (database.url) env.DATABASE_URL = database.url;
    else dataDirs.push((env.TESSERA_DATA_DIR = await mkdtemp(join(tmpdir(), 'tessera-shutdown-'))));
    return startServerProcess(env);
  }

  /** One request; its outcome, and whether it went over a connection kept alive from an earlier one. */
  const send = (url: string, agent: Agent | false) =>
    new Promise<{ outcome: string; reused: boolean }>((resolve) => {
      const req = request(
        `${url}/graphql`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ outcome: `${res.statusCode} ${res.headers.connection}`, reused: req.reusedSocket }),
          );
          res.on('error', (error: NodeJS.ErrnoException) =>
            resolve({ outcome: error.code ?? error.message, reused: req.reusedSocket }),
          );
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ outcome: error.code ?? error.message, reused: req.reusedSocket }),
      );
      req.end(JSON.stringify({ query: '{ __typename }' }));
    });

  it('a keep-alive client is told Connection: close and never cut mid-request', async () => {
    const server = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sent: { outcome: string; reused: boolean }[] = [];
    let stopping: Promise<number | null> | undefined;
    for (let i = 0; i < 2_000; i++) {
      const result = await send(server.url, agent);
      sent.push(result);
      if (i === 20) stopping = server.stop();
      if (result.outcome === 'ECONNREFUSED') break;
    }
    agent.destroy();
    expect(await stopping).toBe(0);
    // Served while it drained, each answer telling the client to let go; then refused.
    expect(sent.at(-1)!.outcome).toBe('ECONNREFUSED');
    expect(sent.slice(21).some(({ outcome }) => outcome === '200 close')).toBe(true);
    // Nothing sent over a connection the server had taken was cut. (A client that reconnects at once, again and
    // again, can reach the listening socket in the instant it closes: that new connection is reset, as refused.)
    const failures = sent.filter(({ outcome }) => !outcome.startsWith('200') && outcome !== 'ECONNREFUSED');
    expect(failures.filter(({ reused }) => reused)).toEqual([]);
    expect(failures.length).toBeLessThanOrEqual(1);
  });

  it('a burst of new connections arriving with the SIGTERM is served, none reset', async () => {
    const server = await start();
    const stopping = server.stop();
    const burst = await Promise.all(Array.from({ length: 16 }, () => send(server.url, false)));
    expect(await stopping).toBe(0);
    // Each was either taken and answered in full, or refused outright once the listener had closed.
    const outcomes = burst.map(({ outcome }) => outcome);
    expect(outcomes.filter((outcome) => outcome !== '200 close' && outcome !== 'ECONNREFUSED')).toEqual([]);
    expect(outcomes).toContain('200 close');
  });
});
