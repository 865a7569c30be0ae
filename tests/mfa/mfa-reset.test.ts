import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Clock } from '../../server/clock.js';
import { connectDatabase } from '../../server/db/connect.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { testClock } from '../helpers/account-mail.js';
import { registerAdmin, registerUser, tokenStatus } from '../helpers/accounts.js';
import { loginFirstStep, loginWithTotp, MFA_ENABLED, turnOnTotp } from '../helpers/mfa.js';
import { runTessera } from '../helpers/run-command.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';
import { createPGliteDataDirectory, fromConnection, testDriver } from '../helpers/test-database.js';

const RESET_MFA = 'mutation($id: ID!) { resetMfa(userId: $id) }';
const USER_MFA = 'query($id: ID!) { user(id: $id) { mfaEnabled } }';

const countRows = async (app: TestApp, table: 'mfa_factors' | 'mfa_recovery_codes', userId: string) =>
  (await app.database.db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()).length;

// Issue #15, item 5: a lost authenticator. An admin (or the operator's command) removes the user's second factors
// and ends their sessions; they log in with the password alone and may set up a new one.
describe('resetMfa (admins)', () => {
  const clock = testClock();
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, undefined, { clock });
  });
  afterAll(() => app?.close());

  it('removes the factors and recovery codes and ends every session: old tokens are refused', async () => {
    const admin = await registerAdmin(app);
    const user = await registerUser(app);
    const { secret } = await turnOnTotp(app, user, clock);
    const session = await loginWithTotp(app, user, secret, clock);
    expect((await app.graphql(USER_MFA, { token: admin.accessToken, variables: { id: user.id } })).body.data).toEqual({
      user: { mfaEnabled: true },
    });

    // Not for anyone else, the user themself included.
    const refused = await app.graphql(RESET_MFA, { token: session.accessToken, variables: { id: user.id } });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await countRows(app, 'mfa_factors', user.id)).toBe(1);

    const { body } = await app.graphql(RESET_MFA, { token: admin.accessToken, variables: { id: user.id } });
    expect(body).toEqual({ data: { resetMfa: true } });
    expect(await countRows(app, 'mfa_factors', user.id)).toBe(0);
    expect(await countRows(app, 'mfa_recovery_codes', user.id)).toBe(0);
    expect(await tokenStatus(app, session.accessToken)).toBe('TOKEN_REVOKED');
    expect(await tokenStatus(app, user.accessToken)).toBe('TOKEN_REVOKED');
    const event = await app.database.db
      .selectFrom('auth_events')
      .select(['type', 'detail'])
      .where('user_id', '=', user.id)
      .where('type', '=', 'MFA_RESET')
      .executeTakeFirst();
    expect(event?.detail).toMatchObject({ actorId: admin.id, count: 1 });

    // The password alone logs in now.
    const login = await loginFirstStep(app, user.username, user.password);
    expect(login.__typename).toBe('AuthPayload');
    expect((await app.graphql(MFA_ENABLED, { token: login.accessToken })).body.data).toEqual({
      me: { mfaEnabled: false },
    });
    expect((await app.graphql(RESET_MFA, { token: admin.accessToken, variables: { id: admin.id } })).body).toEqual({
      data: { resetMfa: true },
    });
  });

  it('answers false for an id no user has', async () => {
    const admin = await registerAdmin(app);
    const { body } = await app.graphql(RESET_MFA, {
      token: admin.accessToken,
      variables: { id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(body).toEqual({ data: { resetMfa: false } });
  });
});

describe('tessera reset-mfa <username>', () => {
  const clock = testClock();
  let dataDir: string | undefined;
  let app: TestApp;
  /** On Postgres the server keeps running (it hears of the revocations); PGlite allows one process at a time. */
  const openApp = async (appClock: Clock) => {
    if (testDriver === 'postgres') return createTestApp({}, undefined, { clock: appClock });
    const connection = await connectDatabase({ kind: 'pglite', dataDir: dataDir! });
    await migrateToLatest(connection.db);
    return createTestApp({}, fromConnection(connection), { clock: appClock });
  };
  const cliEnv = () => ({
    JWT_SECRET: TEST_JWT_SECRET,
    ...(testDriver === 'postgres' ? { DATABASE_URL: app.database.url! } : { TESSERA_DATA_DIR: dataDir! }),
  });

  beforeAll(async () => {
    if (testDriver === 'pglite') {
      dataDir = await mkdtemp(join(tmpdir(), 'tessera-reset-mfa-'));
      await createPGliteDataDirectory(dataDir);
    }
    app = await openApp(clock);
  });
  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('removes the factors and ends the sessions; the password alone logs in again', async () => {
    const user = await registerUser(app);
    const { secret } = await turnOnTotp(app, user, clock);
    const session = await loginWithTotp(app, user, secret, clock);
    if (testDriver === 'pglite') await app.close();

    const result = await runTessera(['reset-mfa', user.username], cliEnv());
    expect(result).toEqual({
      code: 0,
      stdout: `${user.username} has no second factor now; their sessions have ended and their tokens no longer work.\n`,
      stderr: '',
    });
    expect(await runTessera(['reset-mfa', 'nobody_by_this_name'], cliEnv())).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No user is named nobody_by_this_name.\n',
    });

    if (testDriver === 'pglite') app = await openApp(clock);
    expect(await tokenStatus(app, session.accessToken)).toBe('TOKEN_REVOKED');
    expect(await countRows(app, 'mfa_factors', user.id)).toBe(0);
    expect((await loginFirstStep(app, user.username, user.password)).__typename).toBe('AuthPayload');
    const event = await app.database.db
      .selectFrom('auth_events')
      .select('detail')
      .where('user_id', '=', user.id)
      .where('type', '=', 'MFA_RESET')
      .executeTakeFirst();
    expect(event?.detail).toMatchObject({ via: 'cli' });
  });
});
