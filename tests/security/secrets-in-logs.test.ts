import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, ME, PASSWORD, REGISTER, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { cookieHeader, refreshCookieOf } from '../helpers/refresh-cookie.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ LOG_LEVEL: 'trace' });
});
afterAll(() => app.close());

describe('secrets never reach logs or error messages', () => {
  it('a whole session at trace level logs no password, token or secret', async () => {
    const password = 'a-password-that-must-not-be-logged';
    const account = await registerUser(app, { password });
    await app.graphql(ME, { token: account.accessToken });
    await app.graphql(LOGIN, { variables: { username: account.username, password: 'wrong-password-not-logged' } });
    await app.graphql(ME, { token: `${account.accessToken}tampered` });
    await app.graphql('mutation { logout }', { token: account.accessToken });
    await app.graphql(ME, { token: account.accessToken });

    const logs = app.logs.join('');
    expect(logs.length).toBeGreaterThan(0); // the app did log something at trace level
    for (const secret of [password, 'wrong-password-not-logged', account.accessToken, TEST_JWT_SECRET]) {
      expect(logs).not.toContain(secret);
    }
    // The signature part alone is enough to replay a token; it must not appear either.
    expect(logs).not.toContain(account.accessToken.split('.')[2]);
  });
});

describe('secrets in cookie mode', () => {
  let cookieApp: TestApp;
  beforeAll(async () => {
    cookieApp = await createTestApp({ LOG_LEVEL: 'trace', REFRESH_TOKEN_COOKIE: 'true' });
  });
  afterAll(() => cookieApp.close());

  it('refresh cookies sent and received at trace level are never logged', async () => {
    const registered = await cookieApp.graphql(REGISTER, {
      variables: { username: uniqueUsername('logs'), password: PASSWORD },
    });
    const first = refreshCookieOf(registered)!.value;
    const refreshed = await cookieApp.graphql('mutation { refreshToken { __typename } }', {
      headers: cookieHeader(first),
    });
    expect(refreshed.body.data?.refreshToken.__typename).toBe('AuthPayload');
    const second = refreshCookieOf(refreshed)!.value;

    const logs = cookieApp.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const token of [first, second]) expect(logs).not.toContain(token);
  });
});
