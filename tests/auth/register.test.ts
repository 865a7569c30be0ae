import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ME, PASSWORD, REGISTER, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const register = (variables: Record<string, unknown>) =>
  app.graphql(REGISTER, { variables: { password: PASSWORD, ...variables } }).then(({ body }) => body.data?.register);

describe('register', () => {
  it('creates the user and logs them in: the token it returns works at once', async () => {
    const username = uniqueUsername();
    const result = await register({ username, email: 'someone@example.com' });
    expect(result).toMatchObject({
      __typename: 'AuthPayload',
      user: { username, email: 'someone@example.com', role: 'USER' },
    });
    expect(Date.parse(result.accessTokenExpiresAt)).toBeGreaterThan(Date.now());
    expect(result.user.lastLoginAt).not.toBeNull();

    const { body } = await app.graphql(ME, { token: result.accessToken });
    expect(body.data?.me).toEqual({ id: result.user.id, username, email: 'someone@example.com', role: 'USER' });
  });

  it('treats email as optional', async () => {
    const result = await register({ username: uniqueUsername() });
    expect(result.user.email).toBeNull();
  });

  it('refuses a username taken by another account, whatever its case', async () => {
    const { username } = await registerUser(app);
    expect(await register({ username })).toMatchObject({ __typename: 'UsernameTakenError', code: 'USERNAME_TAKEN' });
    expect(await register({ username: username.toUpperCase() })).toMatchObject({ code: 'USERNAME_TAKEN' });
  });

  it('gives one account to two simultaneous registrations of the same name', async () => {
    const username = uniqueUsername();
    const results = await Promise.all([register({ username }), register({ username: username.toUpperCase() })]);
    expect(results.map((result) => result.__typename).sort()).toEqual(['AuthPayload', 'UsernameTakenError']);
  });

  it.each([
    ['an empty username', { username: '' }, 'username'],
    ['a username of 10,000 characters', { username: 'a'.repeat(10_000) }, 'username'],
    ['a username with spaces', { username: 'has space' }, 'username'],
    ['an invalid email', { email: 'not-an-email' }, 'email'],
    ['a password of 7 characters', { password: 'abcdefg' }, 'password'],
    ['a password of 129 characters', { password: 'x'.repeat(129) }, 'password'],
    ['a very common password', { password: 'password1' }, 'password'],
    ['a very common password in other case', { password: 'PassWord1' }, 'password'],
  ])('refuses %s with a ValidationError naming the field', async (_name, variables, field) => {
    const username = uniqueUsername();
    const result = await register({ username, ...variables });
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', field });
    expect(result.message).toEqual(expect.any(String));
    // Nothing was created: the name is still free.
    expect(await register({ username })).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('refuses a password of 50 KB quickly, before hashing it (a bigger body is refused at the door)', async () => {
    const started = performance.now();
    const result = await register({ username: uniqueUsername(), password: 'x'.repeat(50_000) });
    expect(result).toMatchObject({ code: 'VALIDATION', field: 'password' });
    // Not a timing assertion on the happy path: hashing 50 KB would still be far under this; this guards against a
    // quadratic check, so it stays generous.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('counts password length in characters, not bytes: 8 emoji are enough', async () => {
    const result = await register({ username: uniqueUsername(), password: '🔑🗝️🔐🔒🔓🛡️🧱🚪' });
    expect(result.__typename).toBe('AuthPayload');
  });
});
