import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  LOGIN,
  ME,
  REGISTER,
  loginPair,
  refresh,
  registerAdmin,
  registerUser,
  tokenStatus,
  type Account,
} from '../helpers/accounts.js';
import { createPeerApp, createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const DELETE_ACCOUNT = /* GraphQL */ `
  mutation DeleteAccount($password: String!) {
    deleteAccount(password: $password) {
      __typename
      ... on AccountDeleted {
        userId
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
const DELETE_USER = 'mutation($id: ID!) { deleteUser(userId: $id) }';

// Issue #13, item 4 (and item 5's deleteUser): a deleted account's tokens are refused on the very next request, on
// every server, whichever way the servers check revocations. Two servers share one database here (on Postgres, each
// with its own pool and listener), and nothing waits or polls between the answer and the check.
describe.each(['memory', 'database'])('deleting an account, REVOCATION_CHECK=%s', (mode) => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await createTestApp({ REVOCATION_CHECK: mode }, database, { keepDatabaseOpen: true });
    b = await createPeerApp(database, { REVOCATION_CHECK: mode });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.close();
  });

  /** How each server answers the token: 'OK' or the reason it is refused. */
  const onEveryServer = async (token: string) => [await tokenStatus(a, token), await tokenStatus(b, token)];

  /** An account with two sessions (two devices), as its owner would have it. */
  async function accountOnTwoDevices(): Promise<{ account: Account; phone: Account }> {
    const account = await registerUser(a, { email: `${Math.random().toString(36).slice(2)}@example.com` });
    const phone = { ...account, ...(await loginPair(a, account.username, account.password)) };
    return { account, phone };
  }

  /** Everything a deleted account's owner (or a thief of their tokens) could still try, and how it is answered. */
  async function expectGone(account: Account, phone: Account) {
    expect(await onEveryServer(account.accessToken)).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
    expect(await onEveryServer(phone.accessToken)).toEqual(['TOKEN_REVOKED', 'TOKEN_REVOKED']);
    const refused = await b.graphql(ME, { token: phone.accessToken });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    for (const token of [account.refreshToken, phone.refreshToken]) {
      expect(await refresh(b, token)).toMatchObject({ __typename: 'InvalidRefreshTokenError' });
    }
    const { body } = await b.graphql(LOGIN, { variables: { username: account.username, password: account.password } });
    expect(body.data?.login).toMatchObject({ __typename: 'InvalidCredentialsError' });
  }

  it('deleteAccount with the wrong password refuses and changes nothing', async () => {
    const { account, phone } = await accountOnTwoDevices();
    const { body } = await a.graphql(DELETE_ACCOUNT, {
      token: account.accessToken,
      variables: { password: 'not the password at all' },
    });
    expect(body.data?.deleteAccount).toMatchObject({
      __typename: 'InvalidCredentialsError',
      code: 'INVALID_CREDENTIALS',
    });
    expect(await onEveryServer(account.accessToken)).toEqual(['OK', 'OK']);
    expect(await onEveryServer(phone.accessToken)).toEqual(['OK', 'OK']);
    expect(await refresh(b, phone.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });
    expect(await loginPair(b, account.username, account.password)).toHaveProperty('accessToken');
  });

  it('deleteAccount refuses text no password can hold before any check, and needs a login', async () => {
    const { account } = await accountOnTwoDevices();
    const { body } = await a.graphql(DELETE_ACCOUNT, {
      token: account.accessToken,
      variables: { password: 'pass\u0000word' },
    });
    expect(body.data?.deleteAccount).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION' });
    const anonymous = await a.graphql(DELETE_ACCOUNT, { variables: { password: account.password } });
    expect(anonymous.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await onEveryServer(account.accessToken)).toEqual(['OK', 'OK']);
  });

  it('deleteAccount: every token of the account gets 401 on both servers at once, refresh fails, and the username is free again', async () => {
    const { account, phone } = await accountOnTwoDevices();
    const email = (await a.graphql(ME, { token: account.accessToken })).body.data?.me.email;
    const { body } = await a.graphql(DELETE_ACCOUNT, {
      token: account.accessToken,
      variables: { password: account.password },
    });
    expect(body.data?.deleteAccount).toEqual({ __typename: 'AccountDeleted', userId: account.id });

    await expectGone(account, phone);
    // The name (in any case) and the email can be registered again, by anyone: a new account, not the old one.
    const again = await b.graphql(REGISTER, {
      variables: { username: account.username.toUpperCase(), email, password: 'a brand new passphrase' },
    });
    expect(again.body.data?.register).toMatchObject({ __typename: 'AuthPayload', user: { email } });
    expect(again.body.data?.register.user.id).not.toBe(account.id);
  });

  it("an admin's deleteUser: the same, at once on both servers; false for no such user", async () => {
    const admin = await registerAdmin(a);
    const { account, phone } = await accountOnTwoDevices();
    const { body } = await a.graphql(DELETE_USER, { token: admin.accessToken, variables: { id: account.id } });
    expect(body).toEqual({ data: { deleteUser: true } });

    await expectGone(account, phone);
    const again = await registerUser(b, { username: account.username });
    expect(again.id).not.toBe(account.id);
    const twice = await b.graphql(DELETE_USER, { token: admin.accessToken, variables: { id: account.id } });
    expect(twice.body).toEqual({ data: { deleteUser: false } });
    const notAnId = await b.graphql(DELETE_USER, { token: admin.accessToken, variables: { id: 'nobody' } });
    expect(notAnId.body).toEqual({ data: { deleteUser: false } });
  });

  it('deleteUser is FORBIDDEN to a user, and an admin deletes their own account only with deleteAccount', async () => {
    const admin = await registerAdmin(a);
    const { account } = await accountOnTwoDevices();
    const other = await registerUser(a);
    const forbidden = await a.graphql(DELETE_USER, { token: account.accessToken, variables: { id: other.id } });
    expect(forbidden.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    const self = await a.graphql(DELETE_USER, { token: admin.accessToken, variables: { id: admin.id } });
    expect(self.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    expect(await onEveryServer(other.accessToken)).toEqual(['OK', 'OK']);
    expect(await onEveryServer(admin.accessToken)).toEqual(['OK', 'OK']);
  });
});
