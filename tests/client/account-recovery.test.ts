import { CombinedError } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTesseraClient, TesseraError, type AuthChange } from '../../client/index.js';
import { PASSWORD, uniqueUsername } from '../helpers/accounts.js';
import { mailCountTo, uniqueEmail, waitForMailLink } from '../helpers/dev-outbox.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const NEW_PASSWORD = 'a brand new passphrase';

/** The rejection of `promise`, or undefined if it resolved. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('User: account recovery, against a server keeping mail in its development outbox', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const newClient = () => createTesseraClient({ url: server.graphqlUrl });

  /** A new user with an address, logged in on a client of its own. */
  async function registered() {
    const username = uniqueUsername('recover');
    const email = uniqueEmail(username);
    const { User } = newClient();
    const user = await User.register(username, email, PASSWORD);
    return { User, user, username, email };
  }

  it('fetches emailVerified with the user: false for a new address', async () => {
    const { User, user } = await registered();
    expect(user.emailVerified).toBe(false);
    expect(await User.me()).toMatchObject({ id: user.id, emailVerified: false });
  });

  it('register with an address another account has rejects as EMAIL_TAKEN', async () => {
    const { email } = await registered();
    const error = await failure(newClient().User.register(uniqueUsername(), email.toUpperCase(), PASSWORD));
    expect(error).toBeInstanceOf(TesseraError);
    expect(error).toMatchObject({ code: 'EMAIL_TAKEN' });
  });

  describe('requestPasswordReset and resetPassword', () => {
    it('resetPassword logs this client in, ends every other session, and the old password stops working', async () => {
      const { User: laptop, username, email, user } = await registered();
      const { User } = newClient();
      const changes: AuthChange[] = [];
      User.onChange((change) => changes.push(change));

      expect(await User.requestPasswordReset(email)).toBe(email);
      const link = await waitForMailLink(server.url, email, 'reset-password');
      expect(User.token()).toBe(false);

      const loggedIn = await User.resetPassword(link.token, NEW_PASSWORD);
      expect(loggedIn).toMatchObject({ id: user.id, username, email, emailVerified: true });
      expect(User.token()).toBe(true);
      expect(changes.map((change) => change.type)).toEqual(['login']);
      expect(changes[0]!.user).toMatchObject({ id: user.id, emailVerified: true });
      expect(await User.me()).toMatchObject({ id: user.id, username, emailVerified: true });
      expect(await User.accessToken()).toEqual(expect.any(String));

      // The laptop's session ended: its next request is refused and it logs out.
      expect(await failure(laptop.me())).toBeInstanceOf(CombinedError);
      expect(laptop.token()).toBe(false);

      expect(await failure(newClient().User.login(username, PASSWORD))).toMatchObject({
        code: 'INVALID_CREDENTIALS',
      });
      expect(await newClient().User.login(username, NEW_PASSWORD)).toMatchObject({ id: user.id });
    });

    it('a link works once: used again it rejects as INVALID_TOKEN, and the client stays logged out', async () => {
      const { email } = await registered();
      await newClient().User.requestPasswordReset(email);
      const link = await waitForMailLink(server.url, email, 'reset-password');
      await newClient().User.resetPassword(link.token, NEW_PASSWORD);

      const { User } = newClient();
      const again = await failure(User.resetPassword(link.token, 'yet another passphrase'));
      expect(again).toBeInstanceOf(TesseraError);
      expect(again).toMatchObject({ code: 'INVALID_TOKEN' });
      expect(await failure(User.resetPassword('not-a-token', NEW_PASSWORD))).toMatchObject({ code: 'INVALID_TOKEN' });
      expect(User.token()).toBe(false);
    });

    it('a refused new password rejects as VALIDATION (newPassword) and leaves the link working', async () => {
      const { email, user } = await registered();
      await newClient().User.requestPasswordReset(email);
      const link = await waitForMailLink(server.url, email, 'reset-password');
      const { User } = newClient();
      expect(await failure(User.resetPassword(link.token, 'short'))).toMatchObject({
        code: 'VALIDATION',
        field: 'newPassword',
      });
      expect(User.token()).toBe(false);
      expect(await User.resetPassword(link.token, NEW_PASSWORD)).toMatchObject({ id: user.id });
    });

    it('answers the same for an address no account has, and sends nothing', async () => {
      const nobody = uniqueEmail(uniqueUsername('nobody'));
      const { email } = await registered();
      const { User } = newClient();
      expect(await User.requestPasswordReset(nobody)).toBe(nobody);
      expect(await User.requestPasswordReset(email)).toBe(email);
      // Both lookups run after their answers: by the time the account's mail shows, the other had its time too.
      await waitForMailLink(server.url, email, 'reset-password');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await mailCountTo(server.url, nobody)).toBe(0);
    });

    it('an address that is no address rejects as VALIDATION (email)', async () => {
      expect(await failure(newClient().User.requestPasswordReset('not an address'))).toMatchObject({
        code: 'VALIDATION',
        field: 'email',
      });
    });
  });

  describe('verifyEmail and requestEmailVerification', () => {
    it("verifyEmail marks the address verified and updates the logged-in user's kept user", async () => {
      const { User, user, email } = await registered();
      const changes: AuthChange[] = [];
      User.onChange((change) => changes.push(change));
      const link = await waitForMailLink(server.url, email, 'verify-email');

      const verified = await User.verifyEmail(link.token);
      expect(verified).toMatchObject({ id: user.id, email, emailVerified: true });
      expect(verified).not.toHaveProperty('__typename');
      expect(changes).toEqual([{ type: 'refresh', user: verified, fromOtherTab: false }]);
      expect(await User.me()).toMatchObject({ id: user.id, emailVerified: true });

      expect(await failure(User.verifyEmail(link.token))).toMatchObject({ code: 'INVALID_TOKEN' });
      expect(User.token()).toBe(true);
    });

    it('needs no login: a logged-out client (another device) verifies, and stays logged out', async () => {
      const { User: owner, user, email } = await registered();
      const link = await waitForMailLink(server.url, email, 'verify-email');
      const { User } = newClient();
      const changes: string[] = [];
      User.onChange((change) => changes.push(change.type));

      expect(await User.verifyEmail(link.token)).toMatchObject({ id: user.id, email, emailVerified: true });
      expect(User.token()).toBe(false);
      expect(changes).toEqual([]);
      expect(await owner.me()).toMatchObject({ emailVerified: true });
    });

    it("a client logged in as someone else verifies the link's user, and keeps its own user", async () => {
      const first = await registered();
      const second = await registered();
      const link = await waitForMailLink(server.url, first.email, 'verify-email');
      expect(await second.User.verifyEmail(link.token)).toMatchObject({ id: first.user.id, emailVerified: true });
      expect(await second.User.me()).toMatchObject({ id: second.user.id, emailVerified: false });
    });

    it('requestEmailVerification sends a new link, voiding the older one; once verified it rejects', async () => {
      const { User, email } = await registered();
      const first = await waitForMailLink(server.url, email, 'verify-email');

      expect(await User.requestEmailVerification()).toBe(email);
      const second = await waitForMailLink(server.url, email, 'verify-email', { excluding: [first.token] });
      expect(await failure(User.verifyEmail(first.token))).toMatchObject({ code: 'INVALID_TOKEN' });
      expect(await User.verifyEmail(second.token)).toMatchObject({ emailVerified: true });

      const again = await failure(User.requestEmailVerification());
      expect(again).toBeInstanceOf(TesseraError);
      expect(again).toMatchObject({ code: 'VALIDATION', field: 'email' });
    });

    it('requestEmailVerification for an account without an address rejects as VALIDATION', async () => {
      const { User } = newClient();
      await User.register(uniqueUsername(), null, PASSWORD);
      expect(await failure(User.requestEmailVerification())).toMatchObject({ code: 'VALIDATION', field: 'email' });
    });

    it('requestEmailVerification logged out is refused by the server (a CombinedError)', async () => {
      expect(await failure(newClient().User.requestEmailVerification())).toBeInstanceOf(CombinedError);
    });
  });

  describe('changeEmail', () => {
    it('changes the address only once the new one is verified', async () => {
      const { User, user, email } = await registered();
      const newEmail = uniqueEmail(uniqueUsername('moved'));

      expect(await User.changeEmail(newEmail, PASSWORD)).toBe(newEmail);
      expect(await User.me()).toMatchObject({ email, emailVerified: false });

      const link = await waitForMailLink(server.url, newEmail, 'verify-email');
      expect(await User.verifyEmail(link.token)).toMatchObject({ id: user.id, email: newEmail, emailVerified: true });
      expect(await User.me()).toMatchObject({ email: newEmail, emailVerified: true });
    });

    it('rejects a wrong password (INVALID_CREDENTIALS), a taken address (EMAIL_TAKEN) and a malformed one', async () => {
      const { User } = await registered();
      const other = await registered();
      const wrong = await failure(User.changeEmail(uniqueEmail(uniqueUsername()), 'not the password'));
      expect(wrong).toBeInstanceOf(TesseraError);
      expect(wrong).toMatchObject({ code: 'INVALID_CREDENTIALS' });
      expect(await failure(User.changeEmail(other.email, PASSWORD))).toMatchObject({ code: 'EMAIL_TAKEN' });
      expect(await failure(User.changeEmail('nope', PASSWORD))).toMatchObject({
        code: 'VALIDATION',
        field: 'newEmail',
      });
      expect(User.token()).toBe(true);
    });
  });

  describe('deleteAccount', () => {
    it('deletes the account and logs this client out', async () => {
      const { User, user, username } = await registered();
      const changes: string[] = [];
      User.onChange((change) => changes.push(change.type));

      expect(await User.deleteAccount(PASSWORD)).toBe(user.id);
      expect(User.token()).toBe(false);
      expect(await User.me()).toBeNull();
      expect(await User.accessToken()).toBeNull();
      expect(changes).toEqual(['logout']);

      expect(await failure(newClient().User.login(username, PASSWORD))).toMatchObject({
        code: 'INVALID_CREDENTIALS',
      });
      // The username is free again.
      expect(await newClient().User.register(username, null, PASSWORD)).toMatchObject({ username });
    });

    it('with a wrong password rejects as INVALID_CREDENTIALS and keeps the client logged in', async () => {
      const { User, user } = await registered();
      const wrong = await failure(User.deleteAccount('not the password'));
      expect(wrong).toBeInstanceOf(TesseraError);
      expect(wrong).toMatchObject({ code: 'INVALID_CREDENTIALS' });
      expect(User.token()).toBe(true);
      expect(await User.me()).toMatchObject({ id: user.id });
    });

    it('ends the sessions of other clients too', async () => {
      const { User, username } = await registered();
      const { User: phone } = newClient();
      await phone.login(username, PASSWORD);
      await User.deleteAccount(PASSWORD);
      expect(await failure(phone.me())).toBeInstanceOf(CombinedError);
      expect(phone.token()).toBe(false);
    });
  });
});

describe('User on a server requiring verified addresses (REQUIRE_VERIFIED_EMAIL=true)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ REQUIRE_VERIFIED_EMAIL: 'true' });
  });
  afterAll(() => server.close());

  const newClient = () => createTesseraClient({ url: server.graphqlUrl });

  it('register and login reject as EMAIL_NOT_VERIFIED until the link from mail is opened', async () => {
    const username = uniqueUsername('strict');
    const email = uniqueEmail(username);
    const { User } = newClient();

    const registered = await failure(User.register(username, email, PASSWORD));
    expect(registered).toBeInstanceOf(TesseraError);
    expect(registered).toMatchObject({ code: 'EMAIL_NOT_VERIFIED' });
    expect(User.token()).toBe(false);
    expect(await failure(User.login(username, PASSWORD))).toMatchObject({ code: 'EMAIL_NOT_VERIFIED' });

    const link = await waitForMailLink(server.url, email, 'verify-email');
    expect(await User.verifyEmail(link.token)).toMatchObject({ username, emailVerified: true });
    expect(User.token()).toBe(false);
    expect(await User.login(username, PASSWORD)).toMatchObject({ username, emailVerified: true });
    expect(User.token()).toBe(true);
  });
});
