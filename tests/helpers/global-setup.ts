import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

import { runCommand } from './run-command.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PGlite data directory right after initdb, as a tarball: loading it skips four seconds of initdb. */
    pgliteTemplatePath: string;
    /** Prefix of every Postgres database this run creates, so that teardown can drop any a crash left behind. */
    postgresDatabasePrefix: string;
  }
}

// Once for the whole run: two browser test files building them at once could empty dist/demo under each other.
let pagesBuilt: Promise<unknown> | undefined;

/** A page (the demo, GraphiQL's), built from the current sources as `npm install` (prepare) does, for browser tests. */
async function buildPage(script: 'build:demo' | 'build:graphiql'): Promise<void> {
  const result = await runCommand('npm', ['run', '--silent', script], {}, 120_000);
  if (result.code !== 0) throw new Error(`npm run ${script} failed:\n${result.stdout}${result.stderr}`);
}

export default async function setup(project: TestProject) {
  await (pagesBuilt ??= Promise.all([buildPage('build:demo'), buildPage('build:graphiql')]));
  const dir = await mkdtemp(join(tmpdir(), 'tessera-test-'));
  const pglite = await PGlite.create();
  const templatePath = join(dir, 'pglite-template.tar');
  await writeFile(templatePath, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
  await pglite.close();
  const prefix = `tessera_test_${randomBytes(4).toString('hex')}_`;
  project.provide('pgliteTemplatePath', templatePath);
  project.provide('postgresDatabasePrefix', prefix);

  return async () => {
    await rm(dir, { recursive: true, force: true });
    if (process.env.TEST_DATABASE_URL) await dropLeftoverDatabases(process.env.TEST_DATABASE_URL, prefix);
  };
}

async function dropLeftoverDatabases(url: string, prefix: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'select datname from pg_database where starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await client.end();
  }
}
