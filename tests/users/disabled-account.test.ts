import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAuthEventLog } from '../../server/events/auth-event-log.js';
import { createSessionService } from '../../server/auth/session.service.js';
import { createRateLimits } from '../../server/security/rate-limits.js';
import { createUserService } from '../../server/users/user.service.js';
import {
  LOGIN,
  ME,
  loginPair,
  refresh,
  registerAdmin,
  registerUser,
  tokenStatus,
  type Account,
} from '../helpers/accounts.js';
import { createPeerApp, createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const SET_DISABLED = /* GraphQL */ `
  mutation SetDisabled($id: ID!, $disabled: Boolean!) {
    setUserDisabled(userId: $id, disabled: $disabled) {
      id
      disabled
    }
  }
`;
const USER = 'query($id: ID!) { user(id: $id) { id disabled } }';

// Issue #13, item 5: a disabled user's tokens are refused on the very next request, on every server, whichever way
// the servers check revocations; refresh fails; the right password is told the account is disabled, a wrong one
// learns nothing. Two servers share one database (on Postgres, each with its own pool and listener).
describe.each(['memory', 'database'])('disabling an account, REVOCATION_CHECK=%s', (mode) => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let admin: Account;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await createTestApp({ REVOCATION_CHECK: mode }, database, { keepDatabaseOpen: true });
    b = await createPeerApp(database, { REVOCATION_CHECK: mode });
    admin = await registerAdmin(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.close();
  });

  const onEveryServer = async (token: string) => [await tokenStatus(a, token), await tokenStatus(b, token)];
  const setDisabled = (app: TestApp, id: string, disabled: boolean, token = admin.accessToken) =>
    app.graphql(SET_DISABLED, { token, variables: { id, disabled } });
  const loginResult = async (app: TestApp, username: string, password: string) =>
    (await app.graphql(LOGIN, { variables: { username, password } })).body.data?.login;

  it("a disabled user's tokens get 401 on both servers at once, and refresh fails", async () => {
    const user = await registerUser(a);
    const phone = await loginPair(a, user.username, user.password);
    expect(await onEveryServer(user.accessToken)).toEqual(['OK', 'OK']);

    const { body } = await setDisabled(a, user.id, true);
    expect(body).toEqual({ data: { setUserDisabled: { id: user.id, disabled: true } } });
    expect(await onEveryServer(user.accessToken)).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
    expect(await onEveryServer(phone.accessToken)).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
    const refused = await b.graphql(ME, { token: phone.accessToken });
    expect(refused.status).toBe(401);
    for (const token of [user.refreshToken, phone.refreshToken]) {
      expect(await refresh(b, token)).toMatchObject({ __typename: 'InvalidRefreshTokenError' });
    }
  });

  it('login with the right password answers AccountDisabledError; a wrong one InvalidCredentialsError, as for anyone', async () => {
    const user = await registerUser(a);
    await setDisabled(b, user.id, true);
    expect(await loginResult(a, user.username, user.password)).toEqual({
      __typename: 'AccountDisabledError',
      code: 'ACCOUNT_DISABLED',
      message: 'This account has been disabled. Contact an administrator.',
    });
    const wrong = await loginResult(a, user.username, 'not the password at all');
    const unknown = await loginResult(a, `${user.username}_nobody`, 'not the password at all');
    expect(wrong).toMatchObject({ __typename: 'InvalidCredentialsError' });
    // Nothing tells a disabled account from any other to someone without the password.
    expect(wrong).toEqual(unknown);
  });

  it('enabled again: the user logs in, and no session from before comes back', async () => {
    const user = await registerUser(a);
    await setDisabled(a, user.id, true);
    const { body } = await setDisabled(b, user.id, false);
    expect(body).toEqual({ data: { setUserDisabled: { id: user.id, disabled: false } } });
    expect(await refresh(a, user.refreshToken)).toMatchObject({ __typename: 'InvalidRefreshTokenError' });
    expect(await onEveryServer(user.accessToken)).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
    const fresh = await loginPair(a, user.username, user.password);
    expect(await onEveryServer(fresh.accessToken)).toEqual(['OK', 'OK']);
    expect((await b.graphql('{ me { disabled } }', { token: fresh.accessToken })).body).toEqual({
      data: { me: { disabled: false } },
    });
  });

  it('a login that checked the password just before the disable committed gets a stale token, no refresh, even after enabling', async () => {
    const user = await registerUser(a);
    const users = createUserService({ db: a.database.db, revocations: a.revocations });
    const before = await users.findById(user.id);
    await users.setDisabled({ id: user.id }, true);
    // The session opens just after the disable, for the user as the login read them just before.
    const late = await sessionsOf(a).open(before!, { userAgent: null, ip: null });
    expect(await onEveryServer(late.accessToken)).toEqual(['TOKEN_STALE', 'TOKEN_STALE']);
    expect(await refresh(b, late.refreshToken)).toMatchObject({ __typename: 'InvalidRefreshTokenError' });
    await setDisabled(b, user.id, false);
    expect(await refresh(b, late.refreshToken)).toMatchObject({ __typename: 'InvalidRefreshTokenError' });
    expect(await onEveryServer(late.accessToken)).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
  });

  it('User.disabled is visible to admins; setUserDisabled is FORBIDDEN to a user, and an admin cannot disable themself', async () => {
    const user = await registerUser(a);
    await setDisabled(a, user.id, true);
    expect((await b.graphql(USER, { token: admin.accessToken, variables: { id: user.id } })).body).toEqual({
      data: { user: { id: user.id, disabled: true } },
    });
    const other = await registerUser(a);
    const forbidden = await setDisabled(a, other.id, true, other.accessToken);
    expect(forbidden.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    const self = await setDisabled(a, admin.id, true);
    expect(self.body.errors?.[0]).toMatchObject({
      message: 'You cannot disable your own account.',
      extensions: { code: 'BAD_REQUEST' },
    });
    const unknown = await setDisabled(a, '00000000-0000-4000-8000-000000000000', true);
    expect(unknown.body.errors?.[0]).toMatchObject({ message: 'No user has this id.' });
    expect(await onEveryServer(other.accessToken)).toEqual(['OK', 'OK']);
    expect(await onEveryServer(admin.accessToken)).toEqual(['OK', 'OK']);
  });
});

/** The app's session service, built as the app builds it, to open a session the way a login does. */
function sessionsOf(app: TestApp) {
  const { config } = app;
  return createSessionService({
    db: app.database.db,
    settings: {
      successorKey: app.keys.successorKey,
      tokens: {
        keys: app.keys.ring,
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
        accessTokenTtlSeconds: config.accessTokenTtlSeconds,
        clockToleranceSeconds: config.jwtClockToleranceSeconds,
      },
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    },
    revocations: app.revocations,
    events: createAuthEventLog({ db: app.database.db }),
    rateLimits: createRateLimits(config, app.database),
  });
}
