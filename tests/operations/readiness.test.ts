import {
  Migrator,
  NO_MIGRATIONS,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations/index.js';
import { postgresConnection } from '../../server/db/connect.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { compareMigrations } from '../../server/http/health.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startTestServer } from '../helpers/test-server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

const names = Object.keys(migrations);
const latest = names.at(-1)!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ready(app: TestApp) {
  const response = await app.yoga.fetch('http://localhost/health/ready');
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const listenerEchoAge = () =>
  // On Postgres, how long ago the listener's latest heartbeat was sent (PGlite delivers in process: none).
  testDriver === 'postgres' ? { listenerEchoAgeMs: expect.any(Number) } : {};

describe('GET /health/ready', () => {
  let app: TestApp;
  let migrator: Migrator;
  beforeAll(async () => {
    app = await createTestApp();
    migrator = new Migrator({ db: app.database.db, provider: { getMigrations: async () => migrations } });
  });
  afterAll(() => app?.close());

  it('answers 200 on a database with every migration applied', async () => {
    expect(await ready(app)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        ready: true,
        database: 'ok',
        migrations: { status: 'current', expected: latest, applied: latest },
        revocation: 'memory',
        ...listenerEchoAge(),
      },
    });
  });

  it('answers 503 while the database lacks a migration this code needs, and 200 once it is applied', async () => {
    // The database as an older release left it: its latest migration not applied yet.
    const down = await migrator.migrateDown();
    expect(down.error).toBeUndefined();
    try {
      expect(await ready(app)).toEqual({
        status: 503,
        body: {
          status: 'error',
          ready: false,
          database: 'ok',
          migrations: { status: 'pending', expected: latest, applied: names.at(-2), pending: [latest] },
          revocation: 'memory',
          ...listenerEchoAge(),
        },
      });
      // `/health` asks only whether the database answers.
      expect((await app.yoga.fetch('http://localhost/health')).status).toBe(200);
    } finally {
      await migrateToLatest(app.database.db);
    }
    expect((await ready(app)).status).toBe(200);
  });

  it('says so when the database has migrations this code does not know (a newer release migrated it)', async () => {
    const newer = '29991231000000_from_a_newer_release';
    await sql`insert into kysely_migration (name, timestamp) values (${newer}, ${new Date().toISOString()})`.execute(
      app.database.db,
    );
    try {
      expect(await ready(app)).toMatchObject({
        status: 200,
        body: {
          status: 'degraded',
          ready: true,
          database: 'ok',
          migrations: { status: 'database-ahead', expected: latest, applied: newer, unknown: [newer] },
        },
      });
    } finally {
      await sql`delete from kysely_migration where name = ${newer}`.execute(app.database.db);
    }
  });

  it('answers 503 on a database no migration has run on', async () => {
    const own = await createTestApp();
    try {
      const emptied = await new Migrator({
        db: own.database.db,
        provider: { getMigrations: async () => migrations },
      }).migrateTo(NO_MIGRATIONS);
      expect(emptied.error).toBeUndefined();
      await sql`drop table kysely_migration, kysely_migration_lock`.execute(own.database.db);
      expect(await ready(own)).toMatchObject({
        status: 503,
        body: {
          status: 'error',
          ready: false,
          database: 'ok',
          migrations: { status: 'pending', expected: latest, applied: null, pending: names },
        },
      });
    } finally {
      await own.close();
    }
  });
});

/** Fails or stalls every statement while switched on: a database that errors, or one that stopped answering. */
class Outage implements KyselyPlugin {
  mode: 'up' | 'failing' | 'silent' = 'up';
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.mode === 'failing') throw new Error('connection refused');
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.mode === 'silent') await sleep(5_000);
    return args.result;
  }
}

describe('GET /health/ready when the database does not answer', () => {
  let app: TestApp;
  const outage = new Outage();
  beforeAll(async () => {
    const database: TestDatabase = await createTestDatabase();
    app = await createTestApp({}, { ...database, db: database.db.withPlugin(outage) });
  });
  afterEach(() => {
    outage.mode = 'up';
  });
  afterAll(() => app?.close());

  it('answers 503 when the database fails', async () => {
    outage.mode = 'failing';
    expect(await ready(app)).toMatchObject({
      status: 503,
      body: {
        status: 'error',
        ready: false,
        database: 'unavailable',
        migrations: { status: 'unknown', expected: latest },
      },
    });
  });

  it('answers 503 within a second when the database is silent', async () => {
    outage.mode = 'silent';
    const started = performance.now();
    expect(await ready(app)).toMatchObject({
      status: 503,
      body: { status: 'error', ready: false, database: 'timeout', migrations: { status: 'unknown' } },
    });
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});

describe.runIf(testDriver === 'postgres')('GET /health/ready through a real outage (Postgres)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let app: TestApp | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
  });
  afterEach(async () => {
    // The proxy first: it cuts the connections a black hole left hanging, which the pool would wait on.
    await proxy?.close();
    await app?.close();
    app = undefined;
  });
  afterAll(() => database?.close());

  async function serverThroughProxy(timeoutMs: number): Promise<TestApp> {
    proxy = await startTcpProxy(database.url!);
    const connection = postgresConnection(proxy.url, { timeoutMs });
    app = await createTestApp({ REVOCATION_TRUST_WINDOW: '500ms' }, { ...connection, url: proxy.url });
    return app;
  }

  it('answers 503 when the connection to the database is cut, and says how revocations are checked', async () => {
    const server = await serverThroughProxy(1_000);
    expect((await ready(server)).status).toBe(200);
    proxy.cutAll();
    for (let i = 0; i < 100 && server.revocations.status() === 'memory'; i++) await sleep(20);
    expect(await ready(server)).toMatchObject({
      status: 503,
      body: { status: 'error', ready: false, database: 'unavailable', revocation: 'database-fallback' },
    });
  });

  it('answers 503 within a second when every connection goes silent', async () => {
    const server = await serverThroughProxy(5_000);
    expect((await ready(server)).status).toBe(200);
    proxy.blackhole('');
    const started = performance.now();
    expect(await ready(server)).toMatchObject({ status: 503, body: { database: 'timeout' } });
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});

describe('GET /health/ready over HTTP', () => {
  it('is ready once the server listens (it migrates first), and echoes X-Request-Id', async () => {
    const server = await startTestServer();
    try {
      const response = await fetch(`${server.url}/health/ready`, { headers: { 'x-request-id': 'probe-1' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('probe-1');
      expect(await response.json()).toMatchObject({ ready: true, migrations: { status: 'current' } });
      const live = await fetch(`${server.url}/health/live`);
      expect(live.status).toBe(200);
      expect(live.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await server.close();
    }
  });
});

describe('compareMigrations', () => {
  it('tells current, pending, ahead and unknown apart', () => {
    expect(compareMigrations(['a', 'b'], ['b', 'a'])).toEqual({ status: 'current', expected: 'b', applied: 'b' });
    expect(compareMigrations(['a', 'b'], ['a'])).toEqual({
      status: 'pending',
      expected: 'b',
      applied: 'a',
      pending: ['b'],
    });
    expect(compareMigrations(['a', 'b'], ['a', 'b', 'c'])).toEqual({
      status: 'database-ahead',
      expected: 'b',
      applied: 'c',
      unknown: ['c'],
    });
    // A database migrated by another branch: lacks one, has one unknown: not ready.
    expect(compareMigrations(['a', 'b'], ['a', 'c'])).toMatchObject({
      status: 'pending',
      pending: ['b'],
      unknown: ['c'],
    });
    expect(compareMigrations(['a'], undefined)).toEqual({ status: 'unknown', expected: 'a' });
  });
});
