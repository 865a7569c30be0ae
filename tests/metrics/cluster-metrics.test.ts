import { request } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, REGISTER, uniqueUsername, PASSWORD } from '../helpers/accounts.js';
import { parsePrometheusText, type Scrape } from '../helpers/prometheus-text.js';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { TEST_JWT_SECRET } from '../helpers/test-app.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

/** A request on a connection of its own (`fetch` would reuse one): each may land on either worker. */
const onNewConnection = (url: string, options: { method?: string; body?: unknown } = {}) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: { 'content-type': 'application/json', connection: 'close' },
        signal: AbortSignal.timeout(10_000),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, text }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });

/** The workers (by pid) that logged a successful login. */
const loginPids = (output: string): Set<number> =>
  new Set(
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; event?: string; pid: number })
      .filter((line) => line.msg === 'Auth event' && line.event === 'LOGIN_SUCCEEDED')
      .map((line) => line.pid),
  );

// Real processes on real Postgres (TESSERA_WORKERS > 1 needs it).
describe.runIf(testDriver === 'postgres')('metrics with TESSERA_WORKERS=2', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let metricsPort: number;
  beforeAll(async () => {
    database = await createTestDatabase();
    metricsPort = await freePort();
    server = await startServerProcess({
      DATABASE_URL: database.url!,
      TESSERA_WORKERS: '2',
      JWT_SECRET: TEST_JWT_SECRET,
      METRICS_PORT: String(metricsPort),
      RATE_LIMIT_ADDRESS: '1000000/1m',
      RATE_LIMIT_REQUESTS: '1000000/1m',
      RATE_LIMIT_LOGIN_FAILURES: '1000000/1m',
      RATE_LIMIT_ACCOUNT: '1000000/1m',
    });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await database?.close();
  });

  it('add up every worker, whichever worker answers /metrics, and on METRICS_PORT (served by the primary)', async () => {
    const graphql = `${server.url}/graphql`;
    const username = uniqueUsername();
    const registered = await onNewConnection(graphql, {
      method: 'POST',
      body: { query: REGISTER, variables: { username, password: PASSWORD } },
    });
    expect(registered.text).toContain('"AuthPayload"');

    // Logins, a few at a time on new connections, until both workers have served some.
    let logins = 0;
    let failures = 0;
    while (logins < 20 || loginPids(server.output()).size < 2) {
      expect(logins, `only one worker served logins:\n${server.output()}`).toBeLessThan(300);
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          onNewConnection(graphql, {
            method: 'POST',
            body: { query: LOGIN, variables: { username, password: i === 0 ? 'wrong password here' : PASSWORD } },
          }),
        ),
      );
      for (const response of batch) expect(response.status).toBe(200);
      logins += 9;
      failures += 1;
      // The log lines of the batch are written before its answers; give the pipe a moment.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(loginPids(server.output()).size).toBe(2);

    const check = (metrics: Scrape) => {
      expect(metrics.sum('tessera_logins_total', { outcome: 'success', method: 'password' })).toBe(logins);
      expect(metrics.sum('tessera_logins_total', { outcome: 'success', method: 'registration' })).toBe(1);
      expect(metrics.sum('tessera_logins_total', { outcome: 'failure', reason: 'INVALID_CREDENTIALS' })).toBe(failures);
      expect(metrics.sum('tessera_http_requests_total', { operation: 'Login', status: '200' })).toBe(logins + failures);
      expect(metrics.sum('tessera_http_request_duration_seconds_count', { operation: 'Login' })).toBe(
        logins + failures,
      );
      // Every worker's listener is connected (min across workers); the state is the largest of any worker's.
      expect(metrics.sum('tessera_revocation_listener_connected')).toBe(1);
      expect(metrics.sum('tessera_revocation_check_mode', { mode: 'memory' })).toBe(2);
      expect(metrics.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
      expect(metrics.sum('tessera_mail_outbox_pending')).toBe(0);
    };

    // Several scrapes on new connections: answered by one worker or the other, always the whole server's numbers.
    for (let i = 0; i < 6; i++) {
      const response = await onNewConnection(`${server.url}/metrics`);
      expect(response.status, response.text).toBe(200);
      check(parsePrometheusText(response.text));
    }
    const direct = await onNewConnection(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(direct.status, direct.text).toBe(200);
    check(parsePrometheusText(direct.text));
  }, 120_000);
});
