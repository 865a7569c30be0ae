// npm run bench: every scenario in one run, against one fresh Postgres database, printed as a table and written to
// bench/results/latest.json. Ratios from one run mean more than absolute numbers on a noisy machine.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';

import pg from 'pg';

import { inTurns } from './in-turns.js';
import { load, type LoadResult } from './load.js';
import { djangoAvailable, startDjango } from './django.js';
import { measureDownstreamPropagation } from './downstream.js';
import { describeMachine } from './machine.js';
import { cpuPlan, pin, startBenchServer, startMainServer, type BenchServer } from './processes.js';
import { measureLoginAgainstHash } from './login-latency.js';
import { measurePluginCost } from './plugin-cost.js';
import { measurePropagation } from './propagation.js';
import { graphql } from './requests.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
/** Scenarios compared by a ratio run in turns: this many rounds of this many seconds each. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 3);
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PASSWORD = 'correct horse battery staple';
const TYPENAME_BODY = '{"data":{"__typename":"Query"}}';
const REGISTER = `mutation($username: String!, $password: String!) {
  register(username: $username, password: $password) { __typename ... on AuthPayload { accessToken } }
}`;
const LOGIN = `mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) { __typename ... on AuthPayload { accessToken } }
}`;
const ME = '{ me { id username role } }';

const started = Date.now();
const cores = (await import('node:os')).cpus().length;
const databaseName = `tessera_bench_${randomBytes(4).toString('hex')}`;
const databaseUrl = withDatabase(ADMIN_URL, databaseName);
const servers: BenchServer[] = [];
const log = (message: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);

// The load generator (autocannon, in this process) on CPU 0, bench servers on the others (bench/processes.ts).
pin(process.pid, cpuPlan.loadGenerator);
await admin(`create database "${databaseName}"`);
try {
  const env = {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    NODE_ENV: 'production',
    WEBAUTHN_RP_ID: 'localhost',
    WEBAUTHN_ORIGINS: 'http://localhost',
    // The load comes from one address and logs in one account thousands of times: lift the limits.
    RATE_LIMIT_ACCOUNT: '100000000/1m',
    RATE_LIMIT_ADDRESS: '100000000/1m',
    RATE_LIMIT_REQUESTS: '100000000/1m',
  };
  const start = async (extra: Record<string, string>) => {
    const server = await startBenchServer({ ...env, ...extra });
    servers.push(server);
    return server;
  };
  log('starting servers');
  const memory = await start({ REVOCATION_CHECK: 'memory' });
  const database = await start({ REVOCATION_CHECK: 'database' });
  // Stock Yoga over the same schema, no plugins (bench/bare-server.ts): what Tessera's own plugins cost.
  const bareServer = await startBenchServer({}, './bare-server.ts');
  const bareUnlimited = await startBenchServer({ BARE_WITHOUT_BODY_LIMIT: '1' }, './bare-server.ts');
  servers.push(bareServer, bareUnlimited);

  const registered = await graphql(memory.url, REGISTER, { username: 'bench_user', password: PASSWORD });
  const token = registered.data.register.accessToken as string;
  const meBody = JSON.stringify(await graphql(memory.url, ME, {}, token));
  const exactly = (expected: string) => ({ status: 200, body: (body: string) => body === expected });

  log(
    `bare (with and without its body limit) / anon / auth / auth with REVOCATION_CHECK=database / me, in turns, ${ROUNDS} rounds`,
  );
  const typename = {
    query: '{ __typename }',
    connections: 16,
    durationSeconds: ROUND_SECONDS,
    expect: exactly(TYPENAME_BODY),
  };
  const meLoad = { query: ME, token, connections: 16, durationSeconds: ROUND_SECONDS, expect: exactly(meBody) };
  // Warm up (JIT, connection pools) so that the first scenario measured is not the one that pays for it.
  await load({ url: bareServer.url, ...typename, durationSeconds: 2 });
  await load({ url: bareUnlimited.url, ...typename, durationSeconds: 2 });
  await load({ url: memory.url, ...typename, durationSeconds: 3 });
  await load({ url: memory.url, ...typename, token, durationSeconds: 3 });
  await load({ url: database.url, ...typename, token, durationSeconds: 2 });
  await load({ url: memory.url, ...meLoad, durationSeconds: 2 });
  const core = await inTurns(
    {
      bare: { url: bareServer.url, ...typename },
      bareWithoutBodyLimit: { url: bareUnlimited.url, ...typename },
      anon: { url: memory.url, ...typename },
      auth: { url: memory.url, ...typename, token },
      authDatabase: { url: database.url, ...typename, token },
      me: { url: memory.url, ...meLoad },
    },
    ROUNDS,
  );
  await Promise.all([bareServer.stop(), bareUnlimited.stop()]);
  const { bare, bareWithoutBodyLimit, anon, auth, authDatabase, me } = core.results;

  log('me: `npm start` at TESSERA_WORKERS=1, 2 (and the core count when larger)');
  const scaling: Record<string, LoadResult> = {};
  for (const count of [...new Set([1, 2, cores])]) {
    const workers = await startMainServer({ ...env, TESSERA_WORKERS: String(count) });
    servers.push(workers);
    await load({ url: workers.url, ...meLoad, durationSeconds: 2 });
    scaling[count] = await load({ url: workers.url, ...meLoad, durationSeconds: DURATION });
    await workers.stop();
  }

  // The seed's own stack (bench/django/) answering the same who-am-I on the same CPU as Tessera's `me, 1 process`
  // (one gunicorn worker per CPU of them), the two in turns. Skipped, and said so, where Debian's Django packages
  // are not installed.
  let django: { me: LoadResult; django: LoadResult; ratio: number; rounds: Record<string, number[]> } | null = null;
  if (djangoAvailable()) {
    log(`me on Django + DRF + simplejwt under gunicorn, in turns with Tessera's on the same CPU, ${ROUNDS} rounds`);
    const side = await startDjango({ databaseUrl, cpuList: cpuPlan.servers });
    try {
      const djangoLoad = {
        url: side.url,
        get: '/me/',
        token: side.token,
        connections: 16,
        durationSeconds: ROUND_SECONDS,
        expect: exactly(side.meBody),
      };
      await load({ ...djangoLoad, durationSeconds: 2 });
      const turns = await inTurns({ me: { url: memory.url, ...meLoad }, django: djangoLoad }, ROUNDS);
      django = { ...turns.results, ratio: turns.ratio('me', 'django'), rounds: turns.rounds };
    } finally {
      await side.stop();
    }
  } else {
    log('no Django side by side: see bench/django/README.md to install it');
  }

  log('statements of one login on Postgres, counted in the server');
  await graphql(memory.url, LOGIN, { username: 'bench_user', password: PASSWORD });
  await memory.countStatements();
  await graphql(memory.url, LOGIN, { username: 'bench_user', password: PASSWORD });
  const loginStatements = await memory.readStatements();

  log('login at concurrency 1 and 8; at 1, in turns with a bare argon2id hash timed in the same server process');
  const loginAgainstHash = await measureLoginAgainstHash(memory, { username: 'bench_user', password: PASSWORD });
  const loginLoad = {
    url: memory.url,
    query: LOGIN,
    variables: { username: 'bench_user', password: PASSWORD },
    durationSeconds: DURATION,
    expect: { status: 200, body: (body: string) => body.startsWith('{"data":{"login":{"__typename":"AuthPayload"') },
  };
  const login1 = await load({ ...loginLoad, connections: 1 });
  await memory.resetEventLoopDelay();
  const [login8] = await Promise.all([
    load({ ...loginLoad, connections: 8 }),
    load({ url: memory.url, ...typename, token, connections: 4 }),
  ]);
  const eventLoop = await memory.eventLoopDelay();

  log('propagation: revoke on one process, poll another (or a downstream service) every millisecond');
  // Two servers that must wake each other do not share a CPU: on two cores the revoking one moves to CPU 0, beside
  // this process, which only sends a poll every millisecond now; the polled one keeps CPU 1.
  const revokingCpus = cores === 2 ? cpuPlan.loadGenerator : cpuPlan.servers;
  for (const server of [memory, database]) if (server.pid !== undefined) pin(server.pid, revokingCpus);
  const propagation = {
    memory: await measurePropagation(memory, await start({ REVOCATION_CHECK: 'memory' }), PASSWORD),
    database: await measurePropagation(database, await start({ REVOCATION_CHECK: 'database' }), PASSWORD),
    // Revoke at an ES256 Tessera, poll a service that verifies through tessera/verifier (examples/downstream).
    downstream: await measureDownstreamPropagation(env, servers, PASSWORD),
  };

  log('what each plugin costs: a CPU profile of authenticated `{ __typename }` through the app in this process');
  const pluginCost = await measurePluginCost(databaseUrl, env, '{ __typename }');

  const report = {
    date: new Date().toISOString(),
    machine: await describeMachine(ADMIN_URL),
    durationSeconds: DURATION,
    cpus: {
      pinned: cpuPlan.pinned,
      loadGenerator: cpuPlan.loadGenerator ?? 'any',
      benchServers: cpuPlan.servers ?? 'any',
      workerScaling: cpuPlan.workers ?? 'any',
      django: cpuPlan.servers ?? 'any',
      propagation:
        cpuPlan.pinned && cores === 2 ? 'revoking server on 0 with the poller, polled server on 1' : 'as above',
      postgres: 'any (not pinned)',
    },
    scenarios: {
      bare,
      bareWithoutBodyLimit,
      anon,
      auth,
      authDatabase,
      me,
      ...Object.fromEntries(Object.entries(scaling).map(([count, result]) => [`meWorkers${count}`, result])),
      login1,
      login8,
      ...(django ? { djangoMe: django.django, meBesideDjango: django.me } : {}),
    },
    // In turns (bench/in-turns.ts): the median of each round's ratio.
    rounds: { ...core.rounds, ...(django ? { meBesideDjango: django.rounds.me, django: django.rounds.django } : {}) },
    ratios: {
      'anon/bare': round(core.ratio('anon', 'bare')),
      'anon/bare without body limit': round(core.ratio('anon', 'bareWithoutBodyLimit')),
      'auth/anon': round(core.ratio('auth', 'anon')),
      'me/auth': round(core.ratio('me', 'auth')),
      'memory/database': round(core.ratio('auth', 'authDatabase')),
      'me 2 workers/1': round(scaling[2]!.requestsPerSecond / scaling[1]!.requestsPerSecond),
      ...(cores > 2
        ? { [`me ${cores} workers/1`]: round(scaling[cores]!.requestsPerSecond / scaling[1]!.requestsPerSecond) }
        : {}),
      // Like for like: the same CPUs (the load generator's excluded), one process per CPU.
      ...(django ? { 'me/django': round(django.ratio) } : {}),
    },
    login: {
      // In turns with the bare hash (bench/login-latency.ts); autocannon's row gives whole milliseconds.
      p50Ms: loginAgainstHash.loginP50Ms,
      bareHashMs: loginAgainstHash.bareHashP50Ms,
      p50OverBareHash: loginAgainstHash.ratio,
      p99Ms: login1.p99Ms,
      p50MsAt8: login8.p50Ms,
      p99MsAt8: login8.p99Ms,
      eventLoopDelayP99Ms: round(eventLoop.p99Ms),
      statements: loginStatements.statements,
      roundTrips: loginStatements.roundTrips,
    },
    propagation,
    pluginCost,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  };
  const targets = {
    'anon/bare >= 0.95': report.ratios['anon/bare'] >= 0.95,
    'auth/anon >= 0.90': report.ratios['auth/anon'] >= 0.9,
    'me/auth >= 0.90': report.ratios['me/auth'] >= 0.9,
    ...(django ? { 'me/django >= 3 (Django + DRF + simplejwt)': report.ratios['me/django']! >= 3 } : {}),
    'propagation fromCommit p99 <= 5 ms (memory)': (propagation.memory.fromCommit?.p99Ms ?? Infinity) <= 5,
    'propagation fromSend p99 <= 20 ms (memory)': propagation.memory.fromSend.p99Ms <= 20,
    'propagation p99 <= 50 ms (downstream)': propagation.downstream.p99Ms <= 50,
    'login p50 <= 1.3x bare hash': loginAgainstHash.ratio <= 1.3,
    'event loop delay p99 <= 20 ms during logins': eventLoop.p99Ms <= 20,
  };
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL('./results/latest.json', import.meta.url),
    `${JSON.stringify({ ...report, targets }, null, 2)}\n`,
  );
  console.log(renderTable(report, targets));
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await admin(`drop database if exists "${databaseName}" with (force)`);
}

function renderTable(report: any, targets: Record<string, boolean>): string {
  const row = (name: string, result: LoadResult) =>
    `| ${name.padEnd(34)} | ${result.requestsPerSecond.toFixed(0).padStart(7)} | ${result.p50Ms.toFixed(1).padStart(6)} | ${result.p99Ms.toFixed(1).padStart(6)} |`;
  const s = report.scenarios;
  return [
    `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB; Node ${report.machine.node}; Postgres ${report.machine.postgres}`,
    '',
    `| scenario                           |   req/s | p50 ms | p99 ms |`,
    `| ---------------------------------- | ------: | -----: | -----: |`,
    row('bare Yoga `{ __typename }`', s.bare),
    row('bare Yoga, no body limit', s.bareWithoutBodyLimit),
    row('anon `{ __typename }`', s.anon),
    row('auth `{ __typename }` (memory)', s.auth),
    row('auth `{ __typename }` (database)', s.authDatabase),
    row('me, 1 process', s.me),
    ...Object.keys(s)
      .filter((name) => name.startsWith('meWorkers'))
      .map((name) => row(`me, TESSERA_WORKERS=${name.slice('meWorkers'.length)}`, s[name])),
    ...(s.djangoMe
      ? [row('me, Django + DRF + simplejwt', s.djangoMe), row('me, 1 process (in turns with Django)', s.meBesideDjango)]
      : []),
    row('login, concurrency 1', s.login1),
    row('login, concurrency 8 (+ auth load)', s.login8),
    '',
    `| measure                                  | value |`,
    `| ---------------------------------------- | ----: |`,
    ...Object.entries(report.ratios).map(([name, value]) => `| ${`ratio ${name}`.padEnd(40)} | ${value} |`),
    `| bare argon2id hash in the server, ms     | ${report.login.bareHashMs} |`,
    `| login p50 at 1 (in turns with it), ms    | ${report.login.p50Ms} (${report.login.p50OverBareHash}x) |`,
    `| statements / round trips of one login    | ${report.login.statements} / ${report.login.roundTrips} |`,
    `| event loop delay p99 during logins, ms   | ${report.login.eventLoopDelayP99Ms} |`,
    ...['memory', 'database', 'downstream'].flatMap((kind) => {
      const p = report.propagation[kind];
      return [
        `| ${`propagation from send p50 / p99 (${kind})`.padEnd(40)} | ${p.fromSend.p50Ms} / ${p.fromSend.p99Ms} |`,
        ...(p.fromCommit
          ? [
              `| ${`propagation from commit p50 / p99 (${kind})`.padEnd(40)} | ${p.fromCommit.p50Ms} / ${p.fromCommit.p99Ms} |`,
              `| ${`  the same, while polled (${kind})`.padEnd(40)} | ${p.fromCommitWhilePolled.p50Ms} / ${p.fromCommitWhilePolled.p99Ms} |`,
            ]
          : []),
      ];
    }),
    `| CPUs: load generator / servers / workers | ${report.cpus.loadGenerator} / ${report.cpus.benchServers} / ${report.cpus.workerScaling} (Postgres: any) |`,
    '',
    `Where one authenticated \`{ __typename }\` spends its ${report.pluginCost.microsecondsPerRequest} µs (in process, CPU profile):`,
    '',
    `| part                                     | µs |`,
    `| ---------------------------------------- | -: |`,
    ...Object.entries(report.pluginCost.parts).map(([part, us]) => `| ${part.padEnd(40)} | ${us} |`),
    '',
    ...Object.entries(targets).map(([target, met]) => `${met ? 'met    ' : 'MISSED '} ${target}`),
    '',
    `${report.totalSeconds} s in all; written to bench/results/latest.json`,
  ].join('\n');
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
