import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectDatabase } from '../../server/db/connect.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { registerUser } from '../helpers/accounts.js';
import { runTessera } from '../helpers/run-command.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';
import { createPGliteDataDirectory, fromConnection, testDriver } from '../helpers/test-database.js';
import { introspect, type ServiceSecret } from './introspection-request.js';

const CREATED =
  /^Created service credential orders-api\.\n {2}id: {5}(svc_[0-9a-f]{16})\n {2}secret: ([A-Za-z0-9_-]{43})\nThe secret will not be shown again: store it now\. If it is lost, revoke this credential and create another\.\n$/;

// Issue #16, item 4: the operator makes, lists and revokes the credentials other services present. The secret is
// printed once, at creation; a revoked credential is refused on its next request.
describe('tessera service create, list, revoke', { timeout: 90_000 }, () => {
  let dataDir: string | undefined;
  let app: TestApp | undefined;
  /** On Postgres the server keeps running beside the command; PGlite allows one process at a time. */
  const openApp = async () => {
    if (testDriver === 'postgres') return createTestApp();
    const connection = await connectDatabase({ kind: 'pglite', dataDir: dataDir! });
    await migrateToLatest(connection.db);
    return createTestApp({}, fromConnection(connection));
  };
  const withApp = async <T>(work: (app: TestApp) => Promise<T>): Promise<T> => {
    if (testDriver === 'postgres') return work(app!);
    const opened = await openApp();
    try {
      return await work(opened);
    } finally {
      await opened.close();
    }
  };
  const tessera = (...args: string[]) =>
    runTessera(args, {
      JWT_SECRET: TEST_JWT_SECRET,
      ...(testDriver === 'postgres' ? { DATABASE_URL: app!.database.url! } : { TESSERA_DATA_DIR: dataDir! }),
    });

  beforeAll(async () => {
    if (testDriver === 'pglite') {
      dataDir = await mkdtemp(join(tmpdir(), 'tessera-service-cli-'));
      await createPGliteDataDirectory(dataDir);
    } else app = await openApp();
  });
  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  let credentials: ServiceSecret;

  it('says so when there are none', async () => {
    expect(await tessera('service', 'list')).toEqual({ code: 0, stdout: 'No service credentials.\n', stderr: '' });
  });

  it('create prints the id and the secret once; the credential introspects', async () => {
    const created = await tessera('service', 'create', 'orders-api');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const [, id, secret] = CREATED.exec(created.stdout) ?? [];
    expect(id).toBeDefined();
    credentials = { id: id!, secret: secret! };
    await withApp(async (app) => {
      const user = await registerUser(app);
      expect((await introspect(app, user.accessToken, { credentials })).body).toMatchObject({
        active: true,
        sub: user.id,
      });
    });
  });

  it('create refuses a taken or malformed name', async () => {
    expect(await tessera('service', 'create', 'orders-api')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'A service credential named orders-api already exists.\n',
    });
    expect(await tessera('service', 'create', 'svc_0123')).toMatchObject({ code: 1, stdout: '' });
  });

  it('list shows id, name, creation and state, never a secret', async () => {
    expect(await tessera('service', 'create', 'billing')).toMatchObject({ code: 0 });
    const listed = await tessera('service', 'list');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^${credentials.id}  orders-api  created \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z  active$`),
    );
    expect(lines[1]).toMatch(/^svc_[0-9a-f]{16} {2}billing {2}created \S+ {2}active$/);
    expect(listed.stdout).not.toContain(credentials.secret);
  });

  it('revoke, by name or id: the credential is refused on its next request', async () => {
    const { id } = credentials;
    expect(await tessera('service', 'revoke', 'orders-api')).toEqual({
      code: 0,
      stdout: `orders-api (${id}) is revoked; its next request is refused.\n`,
      stderr: '',
    });
    expect(await tessera('service', 'revoke', id)).toEqual({
      code: 0,
      stdout: `orders-api (${id}) was already revoked.\n`,
      stderr: '',
    });
    expect(await tessera('service', 'revoke', 'nobody')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No service credential is named nobody or has that id.\n',
    });
    const after = await tessera('service', 'list');
    expect(after.stdout).toMatch(new RegExp(`^${id}  orders-api  created \\S+  revoked \\S+Z$`, 'm'));
    expect(after.stdout).toMatch(/ {2}billing {2}created \S+ {2}active$/m);
    expect(after.stdout).not.toContain(credentials.secret);

    await withApp(async (app) => {
      const user = await registerUser(app);
      const refused = await introspect(app, user.accessToken, { credentials });
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ error: 'invalid_client' });
    });
  });
});
