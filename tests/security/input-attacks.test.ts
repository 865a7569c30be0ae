import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ARGON2_OPTIONS } from '../../server/auth/passwords.js';
import { CHANGE_PASSWORD, LOGIN, PASSWORD, REGISTER, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Text no account can hold, and passwords as people type them on other keyboards.
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const register = (variables: Record<string, unknown>) =>
  app.graphql(REGISTER, { variables: { password: PASSWORD, ...variables } }).then(({ body }) => body.data?.register);
const login = (username: string, password: string) =>
  app.graphql(LOGIN, { variables: { username, password } }).then(({ body }) => body.data?.login);
/** Error-level lines the server logged since `from` (an unexpected error leaves one, with its stack). */
const errorsLoggedSince = (from: number) =>
  app.logs.slice(from).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

describe('NUL bytes and ill-formed Unicode', () => {
  it.each([
    ['login: NUL in the username', () => login('abc\u0000def', PASSWORD), 'username'],
    ['login: a lone surrogate in the password', () => login('someone', 'pass\uD800word!'), 'password'],
    [
      'register: NUL in the email',
      () => register({ username: uniqueUsername(), email: 'a\u0000b@example.com' }),
      'email',
    ],
    [
      'register: NUL in the password',
      () => register({ username: uniqueUsername(), password: 'long pass\u0000phrase' }),
      'password',
    ],
    [
      'register: a lone surrogate in the password',
      () => register({ username: uniqueUsername(), password: 'long \uDC00 phrase' }),
      'password',
    ],
  ])('%s is a ValidationError, not an internal error', async (_name, send, field) => {
    const from = app.logs.length;
    expect(await send()).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', field });
    expect(errorsLoggedSince(from)).toEqual([]);
  });

  it('changePassword: a lone surrogate in the new password is refused', async () => {
    const account = await registerUser(app);
    const { body } = await app.graphql(CHANGE_PASSWORD, {
      token: account.accessToken,
      variables: { current: account.password, next: 'a new \uD83D passphrase' },
    });
    expect(body.data?.changePassword).toMatchObject({ __typename: 'ValidationError', field: 'newPassword' });
  });
});

describe('passwords as typed', () => {
  const composed = 'caf\u00e9 au lait, sans sucre'; // é as one code point (NFC)
  const decomposed = 'cafe\u0301 au lait, sans sucre'; // e + combining acute (NFD), as some keyboards send it

  it('a password typed in another normalization form still works (NFC before hashing)', async () => {
    const username = uniqueUsername();
    expect(await register({ username, password: composed })).toMatchObject({ __typename: 'AuthPayload' });
    expect(await login(username, decomposed)).toMatchObject({ __typename: 'AuthPayload' });
    expect(await login(username, composed)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('an account whose hash was made before normalization still logs in as typed', async () => {
    const username = uniqueUsername();
    const { user } = await register({ username, password: 'a placeholder passphrase' });
    await app.database.db
      .updateTable('users')
      .set({ password_hash: await hash(decomposed, ARGON2_OPTIONS) })
      .where('id', '=', user.id)
      .execute();
    expect(await login(username, decomposed)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it.each([
    ['the username', (username: string) => username],
    ['the username with digits after it', (username: string) => `${username}2024!`],
    ["the service's name", () => 'tessera'],
    ["the service's name with digits after it", () => 'Tessera123'],
  ])('%s as a password is refused', async (_name, password) => {
    const username = uniqueUsername('longname');
    expect(await register({ username, password: password(username) })).toMatchObject({
      __typename: 'ValidationError',
      field: 'password',
    });
  });
});
