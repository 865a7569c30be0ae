import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';

import { pgliteConnection, postgresConnection, type DatabaseConnection } from '../../server/db/connect.js';
import type { PgListenerOptions } from '../../server/db/pg-listener.js';

export type TestDriver = 'pglite' | 'postgres';

export const testDriver: TestDriver = process.env.TEST_DRIVER === 'postgres' ? 'postgres' : 'pglite';

/** A server connection (`close` also drops the database on Postgres), with its connection string. */
export interface TestDatabase extends DatabaseConnection {
  /** For Postgres, the connection string of this test's own database (to hand to a child process). */
  readonly url: string | undefined;
}

/** A fresh, empty (unmigrated) database for one test file, on the driver of the current vitest project. */
export async function createTestDatabase(listenerOptions?: PgListenerOptions): Promise<TestDatabase> {
  return testDriver === 'postgres' ? createPostgresDatabase(listenerOptions) : createPGliteDatabase();
}

async function createPGliteDatabase(): Promise<TestDatabase> {
  const template = await readFile(inject('pgliteTemplatePath'));
  const pglite = await PGlite.create({ loadDataDir: new Blob([template]) });
  return { ...pgliteConnection(pglite), url: undefined };
}

async function createPostgresDatabase(listenerOptions?: PgListenerOptions): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `${inject('postgresDatabasePrefix')}${randomBytes(4).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const connection = postgresConnection(url.toString(), { listener: listenerOptions });
  return {
    ...connection,
    url: url.toString(),
    close: async () => {
      try {
        await connection.close();
      } finally {
        await withAdminClient(adminUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
      }
    },
  };
}

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A PGlite data directory on disk as the server lays it out (`<dir>/pglite`), made from the run's template so
 * that it skips initdb. For tests of what crosses a restart or a second process.
 */
export async function createPGliteDataDirectory(dataDir: string): Promise<void> {
  const template = await readFile(inject('pgliteTemplatePath'));
  const pglite = await PGlite.create({ dataDir: join(dataDir, 'pglite'), loadDataDir: new Blob([template]) });
  await pglite.close();
}

/** Wraps a server connection (`connectDatabase`) so the test app can use it. */
export function fromConnection(connection: DatabaseConnection): TestDatabase {
  return { ...connection, url: undefined };
}
