import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectDatabase } from '../../server/db/connect.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { login, ME, registerUser } from '../helpers/accounts.js';
import { runTessera } from '../helpers/run-command.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';
import { createPGliteDataDirectory, fromConnection, testDriver } from '../helpers/test-database.js';

describe.runIf(testDriver === 'pglite')('tessera (on embedded PGlite)', () => {
  let dataDir: string;
  const env = () => ({ TESSERA_DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET });
  const openApp = async () => {
    const connection = await connectDatabase({ kind: 'pglite', dataDir });
    await migrateToLatest(connection.db);
    return createTestApp({}, fromConnection(connection));
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
    await createPGliteDataDirectory(dataDir);
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("refuses to touch a running server's data directory, says so plainly, and changes nothing", async () => {
    let app = await openApp();
    const user = await registerUser(app);
    try {
      const result = await runTessera(['set-role', user.username, 'ADMIN'], env());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('is in use by another Tessera process');
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      await app.close();
    }
    app = await openApp();
    try {
      expect((await app.graphql(ME, { token: user.accessToken })).body.data?.me.role).toBe('USER');
    } finally {
      await app.close();
    }
  });

  it('set-role, with the server stopped, takes effect: old tokens are TOKEN_STALE, a new login is ADMIN', async () => {
    let app = await openApp();
    const user = await registerUser(app);
    await app.close();

    const result = await runTessera(['set-role', user.username, 'ADMIN'], env());
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`${user.username} is now ADMIN`);

    app = await openApp();
    try {
      const stale = await app.graphql(ME, { token: user.accessToken });
      expect(stale.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_STALE' });
      const fresh = await login(app, user.username, user.password);
      expect((await app.graphql(ME, { token: fresh })).body.data?.me.role).toBe('ADMIN');
    } finally {
      await app.close();
    }
  });

  it('migrate reports an up-to-date database', async () => {
    const result = await runTessera(['migrate'], env());
    expect(result).toMatchObject({ code: 0, stdout: 'The database is up to date.\n' });
  });
});

describe.runIf(testDriver === 'postgres')('tessera (on Postgres)', () => {
  let app: TestApp;
  const env = () => ({ DATABASE_URL: app.database.url!, JWT_SECRET: TEST_JWT_SECRET });
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('set-role works while the server runs: the old token is TOKEN_STALE at once, a new login is ADMIN', async () => {
    const user = await registerUser(app);
    const result = await runTessera(['set-role', user.username, 'admin'], env());
    expect(result).toMatchObject({ code: 0 });

    const stale = await app.graphql(ME, { token: user.accessToken });
    expect(stale.status).toBe(401);
    expect(stale.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_STALE' });
    const fresh = await login(app, user.username, user.password);
    expect((await app.graphql(ME, { token: fresh })).body.data?.me.role).toBe('ADMIN');

    expect(await runTessera(['set-role', user.username, 'USER'], env())).toMatchObject({ code: 0 });
    expect((await app.graphql(ME, { token: fresh })).body.errors?.[0]?.extensions).toMatchObject({
      reason: 'TOKEN_STALE',
    });
  });

  it('says plainly when no user has the name, or the role does not exist', async () => {
    const unknown = await runTessera(['set-role', 'nobody_by_this_name', 'ADMIN'], env());
    expect(unknown).toMatchObject({ code: 1, stderr: 'No user is named nobody_by_this_name.\n' });
    const user = await registerUser(app);
    const badRole = await runTessera(['set-role', user.username, 'ROOT'], env());
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toContain('Role must be USER or ADMIN.');
  });

  it('migrate reports an up-to-date database', async () => {
    expect(await runTessera(['migrate'], env())).toMatchObject({ code: 0, stdout: 'The database is up to date.\n' });
  });

  it('prune says what it deleted', async () => {
    const result = await runTessera(['prune'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Deleted \d+ blacklist entries, \d+ refresh tokens, \d+ sessions, \d+ tombstones of deleted users and sessions, \d+ expired mail links, \d+ expired second login steps, \d+ settled mails, \d+ auth events older than AUDIT_RETENTION\.\n$/,
    );
  });
});
