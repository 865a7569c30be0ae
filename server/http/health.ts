import { sql, type Kysely } from 'kysely';
import type { Plugin } from 'graphql-yoga';

import { migrations } from '../../migrations/index.js';
import type { Revocations } from '../auth/revocation.js';
import type { Database } from '../db/database.js';
import { answeringAt } from './answering-at.js';

/** A load balancer's probe must get an answer, whatever the database does. */
const DATABASE_PROBE_TIMEOUT_MS = 800;

/** Kysely's record of the migrations applied (its `Migrator` default). */
const MIGRATION_TABLE = 'kysely_migration';
/** Postgres `undefined_table`: no migration has ever run on this database. */
const UNDEFINED_TABLE = '42P01';
/** At most this many names of migrations this process does not know are listed (another app could share the table). */
const MAX_LISTED_MIGRATIONS = 20;

type DatabaseProbe = 'ok' | 'unavailable' | 'timeout';

const isHealthPath = (path: string) => path === '/health' || path === '/health/ready';

/**
 * How the database's migrations compare with the ones this process's code was built with:
 * - `current`: every migration the code knows is applied, and nothing else;
 * - `pending`: the database lacks some the code needs (not migrated yet, or migrated by an older release);
 * - `database-ahead`: every one the code needs is applied, but the database also has later ones this code does not
 *   know (a newer release migrated it: this process is the older one, as during a rolling deploy);
 * - `unknown`: the database did not answer.
 */
export type MigrationsStatus = 'current' | 'pending' | 'database-ahead' | 'unknown';

type HealthRevocations = Pick<Revocations, 'status' | 'listenerEchoAgeMs'>;

/**
 * `GET /health`: 200 when the database answers, 503 when it does not (or not within a second). Load balancers use
 * it to take a process that lost its database out of rotation. It also says how revocations are being checked and,
 * in memory mode, how old the listener's latest heartbeat echo is.
 *
 * `GET /health/ready`: the same, and 503 also while the database lacks a migration this code needs; it says how the
 * migrations compare (see `MigrationsStatus`). A process whose code is older than the database's migrations stays
 * ready (its release's schema is all there) but says so, `status: degraded`. (Yoga's own check, which asks nothing,
 * stays at `/health/live`.)
 */
export function useDatabaseHealthCheck(
  db: Kysely<Database>,
  revocations: HealthRevocations,
  expectedMigrations: readonly string[] = Object.keys(migrations),
): Plugin {
  return {
    onRequest: answeringAt(isHealthPath, async ({ url, endResponse, fetchAPI }) => {
      if (url.pathname === '/health') {
        const database = await probeDatabase(db);
        const { status, ...body } = health(database, revocations);
        endResponse(respond(fetchAPI, database === 'ok' ? 200 : 503, { status, database, ...body }));
      } else if (url.pathname === '/health/ready') {
        const { database, applied } = await probeMigrations(db);
        const migrations = compareMigrations(expectedMigrations, applied);
        const ready = database === 'ok' && (migrations.status === 'current' || migrations.status === 'database-ahead');
        const { status, revocation, ...rest } = health(database, revocations);
        endResponse(
          respond(fetchAPI, ready ? 200 : 503, {
            status: !ready ? 'error' : migrations.status === 'database-ahead' ? 'degraded' : status,
            ready,
            database,
            migrations,
            revocation,
            ...rest,
          }),
        );
      }
    }),
  };
}

/** What `/health` and `/health/ready` say alike: the database, and how revocations are checked. */
function health(database: DatabaseProbe, revocations: HealthRevocations) {
  // `database-fallback`: memory is not trusted (listener down or its heartbeats late); tokens are checked
  // against the database meanwhile.
  const revocation = revocations.status();
  const status = database !== 'ok' ? 'error' : revocation === 'database-fallback' ? 'degraded' : 'ok';
  const echoAge = revocations.listenerEchoAgeMs?.();
  return {
    status,
    revocation,
    ...(echoAge !== undefined && { listenerEchoAgeMs: Math.round(echoAge) }),
  } as const;
}

function respond(fetchAPI: { Response: typeof Response }, status: number, body: Record<string, unknown>): Response {
  return fetchAPI.Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

async function probeDatabase(db: Kysely<Database>): Promise<DatabaseProbe> {
  const probe = sql`select 1`
    .execute(db)
    .then(() => 'ok' as const)
    .catch(() => 'unavailable' as const);
  return withinProbeTimeout(probe);
}

/** The names of the applied migrations: one small query, which is also the database probe, in the same time. */
async function probeMigrations(
  db: Kysely<Database>,
): Promise<{ database: DatabaseProbe; applied: readonly string[] | undefined }> {
  const probe = sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`
    .execute(db)
    .then(({ rows }) => ({ database: 'ok' as const, applied: rows.map((row) => row.name) }))
    .catch((error: unknown) =>
      (error as { code?: unknown }).code === UNDEFINED_TABLE
        ? { database: 'ok' as const, applied: [] }
        : { database: 'unavailable' as const, applied: undefined },
    );
  const result = await withinProbeTimeout(probe);
  return result === 'timeout' ? { database: 'timeout', applied: undefined } : result;
}

async function withinProbeTimeout<T>(probe: Promise<T>): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), DATABASE_PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface MigrationsReport {
  status: MigrationsStatus;
  /** The latest migration this code knows. */
  expected: string | null;
  /** The latest migration applied to the database (`undefined` when it did not answer). */
  applied?: string | null;
  /** Migrations this code needs that the database lacks. */
  pending?: string[];
  /** Migrations applied to the database that this code does not know (at most `MAX_LISTED_MIGRATIONS`). */
  unknown?: string[];
}

export function compareMigrations(
  expected: readonly string[],
  applied: readonly string[] | undefined,
): MigrationsReport {
  // Names sort in the order they run (see migrations/index.ts).
  const latest = (names: readonly string[]) => [...names].sort().at(-1) ?? null;
  const report: MigrationsReport = { status: 'unknown', expected: latest(expected) };
  if (applied === undefined) return report;
  const appliedSet = new Set(applied);
  const expectedSet = new Set(expected);
  const pending = expected.filter((name) => !appliedSet.has(name));
  const unknown = [...applied]
    .filter((name) => !expectedSet.has(name))
    .sort()
    .slice(0, MAX_LISTED_MIGRATIONS);
  report.applied = latest(applied);
  report.status = pending.length > 0 ? 'pending' : unknown.length > 0 ? 'database-ahead' : 'current';
  if (pending.length > 0) report.pending = pending;
  if (unknown.length > 0) report.unknown = unknown;
  return report;
}
