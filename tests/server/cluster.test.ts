import { request } from 'node:http';
import { createServer, type Server } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCommand } from '../helpers/run-command.js';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { TEST_JWT_SECRET } from '../helpers/test-app.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

/** The JSON log lines (pino) in a process's output. */
const logLines = (output: string): { msg: string; pid: number; [key: string]: unknown }[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));

/**
 * A POST on a connection of its own (`fetch` would reuse the pool's keep-alive connections, and one to a killed
 * worker resets): what a new client sees. Fails with a TimeoutError after 5 s, which is how a hang shows.
 */
const postOnNewConnection = (url: string, body: unknown) =>
  new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', connection: 'close' },
        signal: AbortSignal.timeout(5_000),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });

const startCluster = (env: Record<string, string>) =>
  runCommand(
    process.execPath,
    ['--import', 'tsx', 'server/main.ts'],
    { TESSERA_WORKERS: '2', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info', ...env },
    60_000,
  );

// Real processes on real Postgres (TESSERA_WORKERS > 1 needs it).
describe.runIf(testDriver === 'postgres')('TESSERA_WORKERS=2 supervision', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());

  describe('when workers cannot start', () => {
    let squatter: Server;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => squatter?.close(() => resolve())));

    it('with the port taken, gives up after a handful of attempts and exits non-zero naming the cause', async () => {
      const result = await startCluster({ DATABASE_URL: database.url!, PORT: String(port) });
      expect(result.code, result.stdout + result.stderr).toBe(1); // not killed by the 60 s timeout: it gave up
      const lines = logLines(result.stdout);
      // Each worker that fails says why in one plain line (no stack).
      const failedStarts = lines.filter((line) => line.msg.startsWith(`Cannot listen on 127.0.0.1:${port}`));
      expect(failedStarts.length).toBeGreaterThanOrEqual(2);
      expect(failedStarts.length).toBeLessThanOrEqual(8);
      const retries = lines.filter((line) => line.msg.startsWith('A worker failed to start'));
      expect(retries.length).toBeLessThanOrEqual(6);
      const fatal = lines.filter((line) => line.msg.startsWith('Workers cannot start'));
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.msg).toMatch(/another process uses that port/);
    }, 60_000);

    it('with Postgres unreachable, exits non-zero at once, naming it and not the password', async () => {
      const result = await startCluster({
        DATABASE_URL: 'postgres://tessera:hunter2-secret@127.0.0.1:1/tessera',
        PORT: '0',
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('Cannot reach Postgres at 127.0.0.1:1/tessera');
      expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
      expect(logLines(result.stdout).filter((line) => line.msg === 'Started workers')).toHaveLength(0);
    });
  });

  describe('when a worker is killed', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess({
        DATABASE_URL: database.url!,
        TESSERA_WORKERS: '2',
        JWT_SECRET: TEST_JWT_SECRET,
      });
    });
    afterAll(async () => {
      await server?.stop();
    });

    const servingPids = () =>
      logLines(server.output())
        .filter((line) => line.msg.startsWith('Tessera is serving GraphQL'))
        .map((line) => line.pid);

    const waitFor = async (condition: () => boolean, what: string) => {
      for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(condition(), `${what}:\n${server.output()}`).toBe(true);
    };

    it('kill -9 of a worker: every later request on a new connection is answered, and a new worker starts', async () => {
      await waitFor(() => servingPids().length === 2, 'both workers listening');
      const [victim, survivor] = servingPids() as [number, number];

      process.kill(victim, 'SIGKILL');
      for (let i = 0; i < 50; i++) {
        // A hang shows as a TimeoutError here: the connection was taken and never served.
        const response = await postOnNewConnection(`${server.url}/graphql`, { query: '{ __typename }' });
        expect(response).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
      }

      await waitFor(() => servingPids().length === 3, 'a replacement worker listening');
      expect(servingPids()[2]).not.toBe(victim);
      expect(servingPids()[2]).not.toBe(survivor);
      const exited = logLines(server.output()).filter((line) => line.msg.startsWith('A worker exited'));
      expect(exited).toMatchObject([{ worker: victim, signal: 'SIGKILL' }]);
    });

    it('SIGTERM still stops every worker and exits 0', async () => {
      expect(await server.stop()).toBe(0);
      const lines = logLines(server.output());
      const stopping = lines.findIndex((line) => line.msg === 'Stopping workers');
      expect(stopping).toBeGreaterThan(-1);
      expect(lines.slice(stopping).filter((line) => /^A worker (exited|failed)/.test(line.msg))).toHaveLength(0);
    });
  });
});
