import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectDatabase } from '../../server/db/connect.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { LOGIN, loginPair, registerUser, tokenStatus, uniqueUsername } from '../helpers/accounts.js';
import { runTessera } from '../helpers/run-command.js';
import { createPeerApp, createTestApp, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';
import { createPGliteDataDirectory, fromConnection, testDriver } from '../helpers/test-database.js';

const ROOT_PASSWORD = 'the root passphrase, typed once';
const USERS = 'query($search: String) { users(search: $search) { edges { node { username role disabled } } } }';

const loginResult = async (app: TestApp, username: string, password: string) =>
  (await app.graphql(LOGIN, { variables: { username, password } })).body.data?.login;

/** What `users(search)` shows an admin who logs in with this password. */
async function listAs(app: TestApp, username: string, password: string, search: string) {
  const { accessToken } = await loginPair(app, username, password);
  const { body } = await app.graphql(USERS, { token: accessToken, variables: { search } });
  return body.data?.users.edges.map((edge: any) => edge.node);
}

// Issue #13, item 5: the operator command makes the first admin, and disables, enables and deletes users, through
// the same services as the API. Passwords come from standard input (here a pipe; at a terminal, a prompt without
// echo), never from the arguments, which `ps` and shell history would show.
describe.runIf(testDriver === 'pglite')(
  'tessera create-user, disable-user, enable-user, delete-user (on embedded PGlite)',
  () => {
    let dataDir: string;
    const env = () => ({ TESSERA_DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET });
    /** A server on the data directory; the command refuses to touch it while one runs, so each test closes it. */
    const withApp = async (work: (app: TestApp) => Promise<void>) => {
      const connection = await connectDatabase({ kind: 'pglite', dataDir });
      await migrateToLatest(connection.db);
      const app = await createTestApp({}, fromConnection(connection));
      try {
        await work(app);
      } finally {
        await app.close();
      }
    };

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'tessera-cli-users-'));
      await createPGliteDataDirectory(dataDir);
    });
    afterAll(() => rm(dataDir, { recursive: true, force: true }));

    it('create-user root --admin with the password on stdin makes an admin who can list users', async () => {
      const result = await runTessera(
        ['create-user', 'root', '--admin', '--email', 'root@example.com'],
        env(),
        `${ROOT_PASSWORD}\n`,
      );
      expect(result).toEqual({ code: 0, stdout: 'Created root (ADMIN, root@example.com).\n', stderr: '' });
      await withApp(async (app) => {
        expect(await listAs(app, 'root', ROOT_PASSWORD, 'root')).toContainEqual({
          username: 'root',
          role: 'ADMIN',
          disabled: false,
        });
      });
    });

    it('never takes the password from the arguments, and says so when none comes on stdin', async () => {
      const username = uniqueUsername('argv');
      const asArgument = await runTessera(['create-user', username, ROOT_PASSWORD], env(), `${ROOT_PASSWORD}\n`);
      expect(asArgument.code).not.toBe(0);
      expect(asArgument.stderr).toContain('too many arguments');
      const asOption = await runTessera(['create-user', username, '--password', ROOT_PASSWORD], env());
      expect(asOption.code).not.toBe(0);
      expect(asOption.stderr).toContain("unknown option '--password'");
      const nothing = await runTessera(['create-user', username], env(), '');
      expect(nothing).toMatchObject({
        code: 1,
        stderr: 'No password was given: pipe it on standard input, or run this at a terminal to type it.\n',
      });
      await withApp(async (app) => {
        expect(await loginResult(app, username, ROOT_PASSWORD)).toMatchObject({
          __typename: 'InvalidCredentialsError',
        });
      });
    });

    it('checks the new user as register does, and says what it refused', async () => {
      const refusals = [
        [['create-user', uniqueUsername()], 'short\n', 'Password must be at least 8 characters.\n'],
        [['create-user', 'ROOT'], `${ROOT_PASSWORD}\n`, 'That username is already taken.\n'],
        [
          ['create-user', 'not a name'],
          `${ROOT_PASSWORD}\n`,
          'Username may contain only letters, digits and @ . + - _\n',
        ],
        [['create-user', uniqueUsername(), '--email', 'nope'], `${ROOT_PASSWORD}\n`, 'Enter a valid email address.\n'],
      ] as const;
      for (const [args, input, stderr] of refusals) {
        expect(await runTessera([...args], env(), input)).toEqual({ code: 1, stdout: '', stderr });
      }
    });

    it('disable-user, enable-user and delete-user, with the server stopped, take effect when it starts', async () => {
      let user!: Awaited<ReturnType<typeof registerUser>>;
      await withApp(async (app) => {
        user = await registerUser(app);
      });

      expect(await runTessera(['disable-user', user.username.toUpperCase()], env())).toMatchObject({
        code: 0,
        stdout: `${user.username} is disabled; their sessions have ended and their tokens no longer work.\n`,
      });
      await withApp(async (app) => {
        expect(await tokenStatus(app, user.accessToken)).toBe('TOKEN_REVOKED');
        expect(await loginResult(app, user.username, user.password)).toMatchObject({ code: 'ACCOUNT_DISABLED' });
      });

      expect(await runTessera(['enable-user', user.username], env())).toMatchObject({ code: 0 });
      let token!: string;
      await withApp(async (app) => {
        token = (await loginPair(app, user.username, user.password)).accessToken;
      });

      expect(await runTessera(['delete-user', user.username], env())).toMatchObject({
        code: 0,
        stdout: `${user.username} is deleted; their tokens no longer work.\n`,
      });
      await withApp(async (app) => {
        expect(await tokenStatus(app, token)).toBe('TOKEN_REVOKED');
        expect((await registerUser(app, { username: user.username })).id).not.toBe(user.id);
      });
      for (const command of ['disable-user', 'enable-user', 'delete-user']) {
        expect(await runTessera([command, 'nobody_by_this_name'], env())).toEqual({
          code: 1,
          stdout: '',
          stderr: 'No user is named nobody_by_this_name.\n',
        });
      }
    });
  },
);

describe.runIf(testDriver === 'postgres')('tessera create-user, disable-user, delete-user (on Postgres)', () => {
  let app: TestApp;
  let strict: TestApp;
  const env = () => ({ DATABASE_URL: app.database.url!, JWT_SECRET: TEST_JWT_SECRET });
  beforeAll(async () => {
    app = await createTestApp();
    strict = await createPeerApp(app.database, { REVOCATION_CHECK: 'database' });
  });
  afterAll(async () => {
    await strict?.close();
    await app?.close();
  });

  /**
   * The command has no listener of its own, so nobody waits for its notice: this resolves once the running server
   * has heard everything committed before `moment` (its heartbeat echo proves it), which takes milliseconds.
   */
  async function heardEverythingBefore(moment: number) {
    for (let i = 0; i < 300; i++) {
      if (Date.now() - (app.revocations.listenerEchoAgeMs?.() ?? 0) >= moment) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the revocation listener did not catch up');
  }
  const onBothServers = async (token: string) => [await tokenStatus(app, token), await tokenStatus(strict, token)];

  it('create-user --admin with the password on stdin makes an admin who can list users on the running server', async () => {
    const username = uniqueUsername('root');
    const result = await runTessera(['create-user', username, '--admin'], env(), `${ROOT_PASSWORD}\n`);
    expect(result).toMatchObject({ code: 0, stdout: `Created ${username} (ADMIN).\n` });
    expect(await listAs(app, username, ROOT_PASSWORD, username)).toEqual([
      { username, role: 'ADMIN', disabled: false },
    ]);
  });

  it("disable-user and delete-user while servers run: the user's tokens are refused in both revocation modes", async () => {
    const user = await registerUser(app);
    expect(await runTessera(['disable-user', user.username], env())).toMatchObject({ code: 0 });
    await heardEverythingBefore(Date.now());
    expect(await onBothServers(user.accessToken)).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
    expect(await loginResult(strict, user.username, user.password)).toMatchObject({ code: 'ACCOUNT_DISABLED' });

    expect(await runTessera(['enable-user', user.username], env())).toMatchObject({ code: 0 });
    const { accessToken } = await loginPair(app, user.username, user.password);
    expect(await runTessera(['delete-user', user.username], env())).toMatchObject({ code: 0 });
    await heardEverythingBefore(Date.now());
    expect(await onBothServers(accessToken)).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
  });
});
