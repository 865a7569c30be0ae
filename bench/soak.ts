// npm run soak -- --minutes N: mixed traffic against two workers on Postgres for N minutes, with one Postgres restart
// in the middle. Reports, as JSON (stdout and bench/results/soak.json) and as a Markdown table row for the README:
// requests, errors outside the outage window (must be 0), revoked tokens accepted (must be 0), each worker's memory at
// start and end, the revocation state size and whether the mail outbox drained.
//
// It restarts the Postgres cluster of this machine (`pg_ctlcluster … restart`, or --restart-command): run it where
// that is allowed, never against a shared database server. --no-restart skips the outage.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { startServerProcess } from '../tests/helpers/server-process.js';

const { values: options } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    clients: { type: 'string', default: '16' },
    'database-url': { type: 'string' },
    'restart-command': { type: 'string' },
    'no-restart': { type: 'boolean', default: false },
  },
});
const MINUTES = Number(options.minutes);
const CLIENTS = Number(options.clients);
if (!(MINUTES > 0) || !(CLIENTS > 0)) throw new Error('--minutes and --clients must be positive numbers');
const ADMIN_URL =
  options['database-url'] ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RESTART_COMMAND =
  options['restart-command'] ??
  `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | sort -V | tail -1) main restart`;
/** After Postgres is back, requests may still fail while pools and listeners reconnect. */
const OUTAGE_GRACE_MS = 10_000;
/** Memory is measured from here: after the JIT, the pools and the heap have reached their working size. */
const WARM_UP_FRACTION = 0.1;
const PASSWORD = 'correct horse battery staple';

const started = Date.now();

const PAIR = '__typename ... on AuthPayload { accessToken refreshToken user { id } } ... on Error { code }';
const REGISTER = `mutation($username: String!, $email: String, $password: String!) {
  register(username: $username, email: $email, password: $password) { ${PAIR} } }`;
const LOGIN = `mutation($username: String!, $password: String!) { login(username: $username, password: $password) { ${PAIR} } }`;
const REFRESH = `mutation($refreshToken: String) { refreshToken(refreshToken: $refreshToken) { ${PAIR} } }`;
const ME = '{ me { id username role } }';
const LOGOUT = 'mutation { logout }';
const LOGOUT_ALL = 'mutation { logoutAll }';
const SET_ROLE = 'mutation($userId: ID!, $role: Role!) { setUserRole(userId: $userId, role: $role) { id role } }';
const RESET = `mutation($email: String!) { requestPasswordReset(email: $email) { __typename ... on Error { code } } }`;

const log = (message: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);

interface Counters {
  requests: number;
  errors: number;
  errorsInOutage: number;
  revokedAccepted: number;
  logouts: number;
  examples: string[];
}
const counters: Counters = { requests: 0, errors: 0, errorsInOutage: 0, revokedAccepted: 0, logouts: 0, examples: [] };
/** From the restart command's start until OUTAGE_GRACE_MS after /health answers 200 again. */
const outage = { from: Infinity, until: -Infinity };
const inOutage = (at: number) => at >= outage.from && at <= outage.until;

const databaseName = `tessera_soak_${randomBytes(4).toString('hex')}`;
const databaseUrl = withDatabase(ADMIN_URL, databaseName);
await admin(`create database "${databaseName}"`);
const server = await startServerProcess({
  DATABASE_URL: databaseUrl,
  JWT_SECRET: randomBytes(48).toString('base64url'),
  NODE_ENV: 'development',
  TESSERA_WORKERS: '2',
  LOG_LEVEL: 'warn',
  // One machine plays every client: the per-address limits would otherwise refuse the load itself.
  RATE_LIMIT_ADDRESS: '100000000/1m',
  RATE_LIMIT_REQUESTS: '100000000/1m',
  RATE_LIMIT_MAIL: '100000000/1m',
  MAX_CONNECTIONS_PER_ADDRESS: '10000',
});

try {
  await bothWorkersListening(server.url);
  log(`Two workers on ${databaseName} at ${server.url}; ${CLIENTS} clients for ${MINUTES} min`);
  const deadline = Date.now() + MINUTES * 60_000;
  const primaryPid = primaryPidOf(server.url);
  let rssAtStart: number[] = [];
  // Awaited with the clients, so that a failure here ends the run through `finally` (which stops the server).
  const warmUp = sleep(Math.max(15_000, MINUTES * 60_000 * WARM_UP_FRACTION)).then(() => {
    rssAtStart = workerRss(primaryPid);
    log(`Worker memory after warm-up: ${rssAtStart.map(mib).join(', ')}`);
  });
  // A sample a minute, for the slope: two points alone say little about a heap that breathes.
  const samples: { second: number; rssMiB: number[] }[] = [];
  const sampler = setInterval(() => {
    samples.push({ second: Math.round((Date.now() - started) / 1000), rssMiB: workerRss(primaryPid).map(mib) });
  }, 60_000);
  const restart = options['no-restart'] ? Promise.resolve() : sleep((MINUTES * 60_000) / 2).then(restartPostgres);
  const adminToken = await adminAccount();
  await Promise.all([
    ...Array.from({ length: CLIENTS }, (_, index) => client(index, deadline, adminToken)),
    warmUp,
    restart,
  ]);

  clearInterval(sampler);
  const rssAtEnd = workerRss(primaryPid);
  const metrics = await fetch(`${server.url}/metrics`)
    .then((response) => (response.ok ? response.text() : ''))
    .catch(() => '');
  const stateSize = metricSum(metrics, 'tessera_revocation_state_entries');
  const outboxDrained = await waitForOutboxToDrain();
  const report = {
    date: new Date().toISOString(),
    minutes: MINUTES,
    clients: CLIENTS,
    requests: counters.requests,
    errorsOutsideOutage: counters.errors,
    errorsDuringOutage: counters.errorsInOutage,
    outageSeconds: Number.isFinite(outage.from) ? Math.round((outage.until - outage.from) / 1000) : 0,
    revokedTokensAccepted: counters.revokedAccepted,
    logoutsChecked: counters.logouts,
    workerRssMiB: rssAtStart.map((start, index) => ({ start: mib(start), end: mib(rssAtEnd[index] ?? 0) })),
    rssGrowthPercent: rssAtStart.map(
      (start, index) => Math.round((((rssAtEnd[index] ?? 0) - start) / start) * 1000) / 10,
    ),
    // The least-squares line through the minute samples, from its value at the first sample to its value at the last:
    // growth that a heap breathing between collections does not fake (the two end points alone can land on a peak).
    rssFittedGrowthPercent: rssAtStart.map((_, index) => fittedGrowthPercent(samples, index)),
    rssSamples: samples,
    revocationStateSize: stateSize,
    mailOutboxDrained: outboxDrained,
    errorExamples: counters.examples,
  };
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(new URL('./results/soak.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  console.log(
    '\n| Minutes | Requests | Errors outside the outage | Revoked tokens accepted | Worker RSS start → end (MiB) | Mail outbox drained |\n' +
      '| ------- | -------- | ------------------------- | ----------------------- | ---------------------------- | ------------------- |\n' +
      `| ${MINUTES} | ${report.requests} | ${report.errorsOutsideOutage} | ${report.revokedTokensAccepted} | ` +
      `${report.workerRssMiB.map((worker) => `${worker.start} → ${worker.end}`).join(', ')} | ${outboxDrained ? 'yes' : 'no'} |`,
  );
  process.exitCode =
    report.errorsOutsideOutage === 0 && report.revokedTokensAccepted === 0 && report.mailOutboxDrained ? 0 : 1;
} finally {
  await server.stop();
  await admin(`drop database if exists "${databaseName}" with (force)`).catch(() => {});
}

/** One simulated user after another: register, log in, use, refresh, log out (checked), now and then more. */
async function client(index: number, deadline: number, adminToken: string): Promise<void> {
  let round = 0;
  while (Date.now() < deadline) {
    round++;
    const username = `soak_${index}_${round}_${randomBytes(3).toString('hex')}`;
    const email = `${username}@example.com`;
    try {
      const registered = await call('register', REGISTER, { username, email, password: PASSWORD });
      if (!registered) continue;
      let pair = (await call('login', LOGIN, { username, password: PASSWORD })) ?? registered;
      for (let step = 0; step < 5; step++) await call('me', ME, {}, pair.accessToken);
      pair = (await call('refreshToken', REFRESH, { refreshToken: pair.refreshToken })) ?? pair;
      await call('me', ME, {}, pair.accessToken);
      if (round % 5 === 0) {
        await call('setUserRole', SET_ROLE, { userId: registered.user.id, role: 'ADMIN' }, adminToken);
        // The old token is stale now: refreshing gives one with the new role.
        pair = (await call('refreshToken', REFRESH, { refreshToken: pair.refreshToken })) ?? pair;
      }
      if (round % 7 === 0) await call('requestPasswordReset', RESET, { email });
      if (round % 3 === 0) {
        await call('logoutAll', LOGOUT_ALL, {}, pair.accessToken);
      } else {
        await call('logout', LOGOUT, {}, pair.accessToken);
      }
      // The promise: once logout has answered, no worker accepts the token.
      const at = Date.now();
      const response = await request(ME, {}, pair.accessToken).catch(() => undefined);
      if (response) {
        counters.requests++;
        counters.logouts++;
        if (response.status === 200) {
          counters.revokedAccepted++;
          note(`revoked token accepted after ${round % 3 === 0 ? 'logoutAll' : 'logout'}`);
        } else if (response.status !== 401 && !inOutage(at)) {
          counters.errors++;
          note(`me after logout: ${response.status}`);
        }
      }
    } catch {
      // Counted in `call`.
    }
  }
}

/** A request whose failure is counted (as an error, or as part of the outage); returns the payload's AuthPayload. */
async function call(field: string, query: string, variables: Record<string, unknown>, token?: string) {
  const at = Date.now();
  counters.requests++;
  try {
    const response = await request(query, variables, token);
    const body = response.body as { data?: Record<string, any>; errors?: unknown[] };
    const result = body.data?.[field];
    if (response.status !== 200 || body.errors || result === undefined || result === null) {
      throw new Error(`${field}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
    }
    if (typeof result === 'object' && 'code' in result) throw new Error(`${field}: ${result.code}`);
    return typeof result === 'object' && 'accessToken' in result ? result : undefined;
  } catch (error) {
    if (inOutage(at) || inOutage(Date.now())) counters.errorsInOutage++;
    else {
      counters.errors++;
      note((error as Error).message);
    }
    throw error;
  }
}

async function request(query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

function fittedGrowthPercent(samples: { second: number; rssMiB: number[] }[], worker: number): number | null {
  const points = samples.map((sample) => [sample.second, sample.rssMiB[worker] ?? 0] as const);
  if (points.length < 3) return null;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const slope =
    points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) /
    points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const first = points[0]![0];
  const last = points.at(-1)![0];
  const startValue = meanY + slope * (first - meanX);
  return Math.round(((slope * (last - first)) / startValue) * 1000) / 10;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function note(message: string) {
  if (counters.examples.length < 20)
    counters.examples.push(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

async function restartPostgres(): Promise<void> {
  // Open-ended until /health answers again: a failure seen meanwhile belongs to the outage.
  outage.from = Date.now();
  outage.until = Infinity;
  log('Restarting Postgres');
  execSync(RESTART_COMMAND, { stdio: 'inherit', shell: '/bin/bash' });
  for (;;) {
    const healthy = await fetch(`${server.url}/health`)
      .then((response) => response.ok)
      .catch(() => false);
    if (healthy) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  outage.until = Date.now() + OUTAGE_GRACE_MS;
  log(
    `Postgres is back after ${((Date.now() - outage.from) / 1000).toFixed(1)} s; the outage window ends at ${((outage.until - started) / 1000).toFixed(1)}s`,
  );
}

/** An admin made as the operator would (CLI-equivalent SQL), for the role changes. */
async function adminAccount(): Promise<string> {
  const username = `soak_admin_${randomBytes(3).toString('hex')}`;
  await call('register', REGISTER, { username, email: null, password: PASSWORD });
  await withClient(databaseUrl, (db) => db.query(`update users set role = 'ADMIN' where username = $1`, [username]));
  const pair = await call('login', LOGIN, { username, password: PASSWORD });
  return pair.accessToken;
}

async function waitForOutboxToDrain(): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await withClient(databaseUrl, (db) =>
      db.query(`select count(*)::int as pending from mail_outbox where status = 'pending'`),
    );
    if (rows[0].pending === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The pids of the processes listening on the server's port: the workers (each listens, SCHED_NONE). */
function listeningPids(url: string): number[] {
  const port = new URL(url).port;
  const lines = execSync(`ss -ltnpH 'sport = :${port}'`, { encoding: 'utf8' });
  return [...new Set([...lines.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1])))];
}

async function bothWorkersListening(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (listeningPids(url).length < 2) {
    if (Date.now() > deadline) throw new Error('Two workers did not start listening within a minute');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The cluster primary's pid: the workers' parent. */
function primaryPidOf(url: string): number {
  const workerPid = listeningPids(url)[0]!;
  return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${workerPid}/status`, 'utf8'))?.[1]);
}

function workerRss(primaryPid: number): number[] {
  const children = readFileSync(`/proc/${primaryPid}/task/${primaryPid}/children`, 'utf8').trim().split(/\s+/);
  return children
    .filter(Boolean)
    .map((pid) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024);
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

/** The sum of a metric's samples over all its labels (null when it is not there). */
function metricSum(text: string, name: string): number | null {
  const samples = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))];
  return samples.length === 0 ? null : samples.reduce((sum, match) => sum + Number(match[1]), 0);
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function admin(statement: string) {
  return withClient(ADMIN_URL, (client) => client.query(statement));
}
