import { Writable } from 'node:stream';

import { createApp, type App } from '../../server/app.js';
import { systemClock } from '../../server/clock.js';
import { loadTokenKeys, type TokenKeys } from '../../server/keys/token-keys.js';
import type { Revocations } from '../../server/auth/revocation.js';
import { startRevocations } from '../../server/auth/revocation-sync.js';
import type { Clock } from '../../server/clock.js';
import { loadConfig, type Config } from '../../server/config.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { createRateLimits } from '../../server/security/rate-limits.js';
import { postgresConnection } from '../../server/db/connect.js';
import { createLogger } from '../../server/logger.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long';

/** What production requires before anything else is set: a secret, and the site passkeys belong to. */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  JWT_SECRET: TEST_JWT_SECRET,
  WEBAUTHN_RP_ID: 'localhost',
  WEBAUTHN_ORIGINS: 'http://localhost',
};

export interface GraphQLResponse<TData = Record<string, any>> {
  status: number;
  headers: Headers;
  body: { data?: TData | null; errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[] };
}

export interface RequestOptions {
  variables?: Record<string, unknown>;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

export interface TestApp {
  readonly yoga: App;
  readonly config: Config;
  readonly database: TestDatabase;
  readonly revocations: Revocations;
  /** The key ring and the keys beside it, as the app uses them. */
  readonly keys: TokenKeys;
  /** Every line the server logged, for tests that check what never reaches the logs. */
  readonly logs: string[];
  graphql<TData = Record<string, any>>(query: string, options?: RequestOptions): Promise<GraphQLResponse<TData>>;
  close(): Promise<void>;
}

/** A GraphQL POST as the tests send it: the operation, its variables, and the token as a bearer header. */
export function graphqlRequest(query: string, options: RequestOptions = {}): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  };
}

/** The real app over a fresh, migrated database of its own, called through `yoga.fetch` (a whole HTTP request). */
export async function createTestApp(
  env: Record<string, string> = {},
  database?: TestDatabase,
  options: { keepDatabaseOpen?: boolean; clock?: Clock } = {},
): Promise<TestApp> {
  database ??= await createTestDatabase();
  await migrateToLatest(database.db);
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'debug', ...env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const keys = await loadTokenKeys(config, database.db, logger, options.clock ?? systemClock);
  const revocations = await startRevocations(config, database, logger);
  const rateLimits = createRateLimits(config, database);
  // A test that moves `clock` expires the links in mail without sleeping.
  const yoga = createApp({ config, db: database.db, keys, logger, revocations, rateLimits, clock: options.clock });
  const db = database;

  return {
    yoga,
    config,
    database: db,
    revocations,
    keys,
    logs,
    async graphql(query, options = {}) {
      const response = await yoga.fetch('http://localhost/graphql', graphqlRequest(query, options));
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async close() {
      // Work a request left running after its answer (a password reset's mail being queued) ends first.
      await yoga.dispose();
      await revocations.close();
      // Several apps may share one database (as processes share Postgres); its owner closes it.
      if (!options.keepDatabaseOpen) await db.close();
    },
  };
}

/**
 * Another server on the same database, as another process would be: on Postgres with a pool and listener of its own,
 * on PGlite in the same instance (the same code path). Close it before the database's owner.
 */
export function createPeerApp(database: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
  const connection = database.url ? { ...postgresConnection(database.url), url: database.url } : database;
  return createTestApp(env, connection, { keepDatabaseOpen: !database.url });
}
