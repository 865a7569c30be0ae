import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, ME, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { decodeClaims } from '../helpers/tokens.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const login = (username: string, password: string) =>
  app.graphql(LOGIN, { variables: { username, password } }).then(({ body }) => body.data?.login);

describe('login', () => {
  it('returns a working access token and records the login time', async () => {
    const account = await registerUser(app, { email: 'login@example.com' });
    const result = await login(account.username, account.password);
    expect(result).toMatchObject({
      __typename: 'AuthPayload',
      user: { id: account.id, username: account.username, email: 'login@example.com', role: 'USER' },
    });
    expect(Date.parse(result.user.lastLoginAt)).toBeGreaterThan(Date.now() - 60_000);
    const { body } = await app.graphql(ME, { token: result.accessToken });
    expect(body.data?.me).toMatchObject({ id: account.id });
  });

  it('issues a token with the documented claims, expiring after ACCESS_TOKEN_TTL', async () => {
    const account = await registerUser(app);
    const result = await login(account.username, account.password);
    const claims = decodeClaims(result.accessToken);
    expect(claims).toMatchObject({ sub: account.id, role: 'USER', ver: 0, iss: 'tessera', aud: 'tessera' });
    expect(claims.jti).toEqual(expect.any(String));
    expect(claims.exp - claims.iat).toBe(15 * 60);
    expect(claims.exp * 1000).toBe(Date.parse(result.accessTokenExpiresAt));
  });

  it('matches the username without regard to case', async () => {
    const account = await registerUser(app, { username: uniqueUsername('MixedCase') });
    expect(await login(account.username.toLowerCase(), account.password)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('keeps the password exactly as typed: no trimming, no case folding', async () => {
    const password = '  Spaces Around And CAPS  ';
    const account = await registerUser(app, { password });
    expect(await login(account.username, password)).toMatchObject({ __typename: 'AuthPayload' });
    expect(await login(account.username, password.trim())).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await login(account.username, password.toLowerCase())).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('answers an unknown user and a wrong password exactly alike', async () => {
    const account = await registerUser(app);
    const wrongPassword = await app.graphql(LOGIN, {
      variables: { username: account.username, password: 'nope-nope' },
    });
    const unknownUser = await app.graphql(LOGIN, { variables: { username: uniqueUsername(), password: 'nope-nope' } });
    expect(wrongPassword.body.data?.login).toEqual({
      __typename: 'InvalidCredentialsError',
      code: 'INVALID_CREDENTIALS',
      message: 'Invalid username or password.',
    });
    expect(unknownUser.body).toEqual(wrongPassword.body);
    expect(unknownUser.status).toBe(wrongPassword.status);
  });

  it('refuses absurd inputs as invalid credentials without hashing them', async () => {
    expect(await login('a'.repeat(10_000), 'whatever-password')).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const account = await registerUser(app);
    expect(await login(account.username, 'x'.repeat(50_000))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
