import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHANGE_PASSWORD, LOGIN, loginPair, refresh, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const NEW_PASSWORD = 'a brand new passphrase';

const changePassword = (token: string, current: string, next: string) =>
  app.graphql(CHANGE_PASSWORD, { token, variables: { current, next } }).then(({ body }) => body.data?.changePassword);

describe('Mutation.changePassword', () => {
  it('returns a fresh pair for this session and ends every other one', async () => {
    const account = await registerUser(app);
    const other = await loginPair(app, account.username, account.password);

    const result = await changePassword(account.accessToken, account.password, NEW_PASSWORD);
    expect(result).toMatchObject({ __typename: 'AuthPayload', user: { id: account.id } });
    expect(await tokenStatus(app, result.accessToken)).toBe('OK');
    expect(await refresh(app, result.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });

    // The other session is over, access and refresh token alike.
    expect(await tokenStatus(app, other.accessToken)).toBe('TOKEN_REVOKED');
    expect(await refresh(app, other.refreshToken)).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    // Tokens of this session minted before the change stop working too.
    expect(await tokenStatus(app, account.accessToken)).toBe('TOKEN_STALE');

    const login = (password: string) =>
      app.graphql(LOGIN, { variables: { username: account.username, password } }).then(({ body }) => body.data?.login);
    expect(await login(NEW_PASSWORD)).toMatchObject({ __typename: 'AuthPayload' });
    expect(await login(account.password)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('leaves the session alive when its old refresh token (spent by the change) shows up again', async () => {
    const account = await registerUser(app);
    const result = await changePassword(account.accessToken, account.password, NEW_PASSWORD);
    // Another tab still held the pre-change refresh token: refused, but no reuse alarm that ends the session.
    expect(await refresh(app, account.refreshToken)).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    expect(await tokenStatus(app, result.accessToken)).toBe('OK');
    expect(await refresh(app, result.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('refuses a wrong current password and changes nothing', async () => {
    const account = await registerUser(app);
    expect(await changePassword(account.accessToken, 'not my password', NEW_PASSWORD)).toMatchObject({
      __typename: 'InvalidCredentialsError',
      code: 'INVALID_CREDENTIALS',
    });
    expect(await tokenStatus(app, account.accessToken)).toBe('OK');
    expect(await loginPair(app, account.username, account.password)).toMatchObject({ accessToken: expect.any(String) });
  });

  it.each([
    ['too short', 'short'],
    ['very common', 'qwerty123'],
    ['50 KB long', 'x'.repeat(50_000)],
  ])('refuses a new password that is %s with a ValidationError on newPassword', async (_name, next) => {
    const account = await registerUser(app);
    expect(await changePassword(account.accessToken, account.password, next)).toMatchObject({
      __typename: 'ValidationError',
      field: 'newPassword',
    });
    expect(await tokenStatus(app, account.accessToken)).toBe('OK');
  });

  it('needs a login', async () => {
    const { body } = await app.graphql(CHANGE_PASSWORD, { variables: { current: 'a', next: NEW_PASSWORD } });
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});

describe('concurrent changePassword calls from one session', () => {
  let busy: TestApp;
  beforeAll(async () => {
    busy = await createTestApp({ RATE_LIMIT_ACCOUNT: '100/15m' });
  });
  afterAll(() => busy.close());

  it('lets one win; the others see that the current password has changed, and only the winner’s password works', async () => {
    const account = await registerUser(busy);
    const candidates = Array.from({ length: 20 }, (_, i) => `concurrent new passphrase ${i}`);
    const results = await Promise.all(
      candidates.map((next) =>
        busy.graphql(CHANGE_PASSWORD, {
          token: account.accessToken,
          variables: { current: account.password, next },
        }),
      ),
    );
    const winners = candidates.filter((_, i) => results[i]!.body.data?.changePassword?.__typename === 'AuthPayload');
    expect(winners).toHaveLength(1);
    for (const { status, body } of results) {
      if (body.data?.changePassword?.__typename === 'AuthPayload') continue;
      // Refused in the resolver (the password checked is no longer current), or up front once the winner's
      // commit had made the shared access token stale.
      if (status === 401) expect(body.errors?.[0]?.extensions).toMatchObject({ reason: 'TOKEN_STALE' });
      else expect(body.data?.changePassword).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }

    const login = (password: string) =>
      busy.graphql(LOGIN, { variables: { username: account.username, password } }).then(({ body }) => body.data?.login);
    expect(await login(winners[0]!)).toMatchObject({ __typename: 'AuthPayload' });
    for (const loser of candidates.filter((candidate) => candidate !== winners[0]).slice(0, 3)) {
      expect(await login(loser)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
  });
});
