import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';

import { lockDataDirectory } from './data-dir-lock.js';
import type { Database } from './database.js';
import type { ListenFn } from './notifications.js';
import { pgliteTemplateFile } from './pglite-template.js';
import { listenWithPg, type PgListenerOptions } from './pg-listener.js';

/** Where the data lives: a Postgres server, or embedded PGlite on disk (or in memory when no directory). */
export type DatabaseTarget =
  | { kind: 'postgres'; url: string; timeoutMs?: number; listenUrl?: string }
  | { kind: 'pglite'; dataDir: string | undefined };

/** How long a query may run or wait for a lock or a connection, unless DATABASE_TIMEOUT says otherwise. */
export const DEFAULT_DATABASE_TIMEOUT_MS = 5_000;

export interface DatabaseConnection {
  readonly db: Kysely<Database>;
  readonly target: DatabaseTarget;
  /** Subscribes to a notification channel (Postgres LISTEN; the same on PGlite, in process). */
  readonly listen: ListenFn;
  /** On Postgres, the pool the queries go through, for libraries that speak to pg directly (the rate limits). */
  readonly pgPool?: pg.Pool;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

export function databaseTargetFromConfig(config: {
  databaseUrl: string | undefined;
  databaseListenUrl?: string | undefined;
  dataDir: string;
  databaseTimeoutMs?: number;
}): DatabaseTarget {
  return config.databaseUrl
    ? {
        kind: 'postgres',
        url: config.databaseUrl,
        timeoutMs: config.databaseTimeoutMs,
        listenUrl: config.databaseListenUrl,
      }
    : { kind: 'pglite', dataDir: config.dataDir };
}

/** Opens the database and checks that it answers; throws `DatabaseUnavailableError` with a plain reason if not. */
export async function connectDatabase(target: DatabaseTarget): Promise<DatabaseConnection> {
  return target.kind === 'postgres' ? connectPostgres(target) : connectPGlite(target);
}

async function connectPostgres({
  url,
  timeoutMs,
  listenUrl,
}: Extract<DatabaseTarget, { kind: 'postgres' }>): Promise<DatabaseConnection> {
  const connection = postgresConnection(url, { timeoutMs, listenUrl });
  try {
    await sql`select 1`.execute(connection.db);
  } catch (error) {
    await connection.close().catch(() => {});
    throw new DatabaseUnavailableError(
      `Cannot reach Postgres at ${describePostgresUrl(url)}: ${(error as Error).message || String(error)}`,
    );
  }
  return connection;
}

export interface PostgresConnectionOptions {
  /** Statement, lock and connection timeout; see DATABASE_TIMEOUT. */
  timeoutMs?: number;
  listener?: PgListenerOptions;
  /**
   * A direct connection for LISTEN when `url` goes through a transaction pooler (PgBouncer), where LISTEN cannot work;
   * see DATABASE_LISTEN_URL. Defaults to `url`.
   */
  listenUrl?: string;
}

/**
 * A connection pool over Postgres (not yet checked to answer), with LISTEN on a dedicated connection. Nothing waits
 * on Postgres without bound: a statement or a lock wait past the timeout fails on the server, and a connection that
 * goes silent (no answer at all) fails on the client a second later.
 */
export function postgresConnection(url: string, options: PostgresConnectionOptions = {}): DatabaseConnection {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DATABASE_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    idle_in_transaction_session_timeout: timeoutMs * 2,
    query_timeout: timeoutMs + 1_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A client that loses its connection emits 'error': while idle, through the pool; while checked out, on itself,
  // where pg-pool listens no more. Without a listener either kills the process. The query in flight fails anyway.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    target: { kind: 'postgres', url },
    pgPool: pool,
    listen: (channel, handlers, listenOptions) =>
      listenWithPg(options.listenUrl ?? url, channel, handlers, listenOptions, {
        ...options.listener,
        // Through the pool, as the other processes' notices come: proves they reach the listener.
        probeFromAnotherConnection: (target, payload) => pool.query('select pg_notify($1, $2)', [target, payload]),
      }),
    close: () => db.destroy(),
  };
}

async function connectPGlite(target: Extract<DatabaseTarget, { kind: 'pglite' }>): Promise<DatabaseConnection> {
  const { dataDir } = target;
  const unlock = dataDir ? await lockDataDirectory(dataDir) : async () => {};
  try {
    const pgliteDir = dataDir ? join(dataDir, 'pglite') : undefined;
    const pglite = await openPGlite(pgliteDir);
    return pgliteConnection(pglite, target, unlock);
  } catch (error) {
    await unlock();
    throw new DatabaseUnavailableError(
      `Cannot open the embedded database in ${dataDir ?? 'memory'}: ${(error as Error).message}`,
    );
  }
}

/**
 * Opens PGlite. A new data directory is made from the cluster `npm run build` initialized at install time, when
 * there is one; else initdb (seconds of WebAssembly) runs on a worker thread while the rest of the server loads.
 */
async function openPGlite(pgliteDir: string | undefined): Promise<PGlite> {
  if (!pgliteDir || existsSync(join(pgliteDir, 'PG_VERSION'))) return PGlite.create(pgliteDir);
  const template = pgliteTemplateFile();
  if (existsSync(template)) {
    return PGlite.create({ dataDir: pgliteDir, loadDataDir: new Blob([await readFile(template)]) });
  }
  await initializeOnWorkerThread(pgliteDir);
  return PGlite.create(pgliteDir);
}

/** Kysely over an open PGlite. Notifications are delivered in process: the "connection" is never lost. */
export function pgliteConnection(
  pglite: PGlite,
  target: DatabaseTarget = { kind: 'pglite', dataDir: undefined },
  afterClose: () => Promise<void> = async () => {},
): DatabaseConnection {
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    target,
    async listen(channel, handlers) {
      const unlisten = await pglite.listen(channel, handlers.onNotification);
      handlers.onConnected();
      // Delivered in process as the committing statement returns: nothing is ever in flight.
      return { deliveredUpTo: () => Number.POSITIVE_INFINITY, send: () => {}, close: () => unlisten() };
    },
    close: async () => {
      await db.destroy();
      await afterClose();
    },
  };
}

function initializeOnWorkerThread(pgliteDir: string): Promise<void> {
  const worker = new Worker(new URL('./pglite-initdb.worker.mjs', import.meta.url), {
    workerData: { dataDir: pgliteDir },
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`initializing the database exited with code ${code}`)),
    );
  });
}

/** host:port/database of a connection string, without the user or password, for messages and logs. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
