import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTesseraClient, SecondFactorRequired, TesseraError, type AuthChange } from '../../client/index.js';
import { PASSWORD, uniqueUsername } from '../helpers/accounts.js';
import { uniqueEmail, waitForMailLink } from '../helpers/dev-outbox.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const PERIOD_MS = 30_000;

/** The rejection of `promise`, or undefined if it resolved. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/**
 * An authenticator app for `secret`, by the real clock. The server accepts a code of the current step ±1, and refuses
 * a step not later than the last one it accepted (a replay): each code here is of the earliest step still accepted
 * that is later than the last one handed out, so a test can use up to three in a row without waiting.
 */
function authenticator(secret: string) {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  let lastStep = -Infinity;
  return {
    next(): string {
      const step = Math.max(Math.floor(Date.now() / PERIOD_MS) - 1, lastStep + 1);
      lastStep = step;
      return totp.generate({ timestamp: step * PERIOD_MS + PERIOD_MS / 2 });
    },
    /** A code no window accepts now (ten steps on). */
    wrong(): string {
      return totp.generate({ timestamp: Date.now() + 10 * PERIOD_MS });
    },
  };
}

describe('User: the second factor (TOTP, recovery codes), against a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const newClient = () => createTesseraClient({ url: server.graphqlUrl });

  /** A new user with an authenticator app turned on through the client, then logged out. */
  async function withTotp(email: string | null = null) {
    const username = uniqueUsername('mfa');
    const { User } = newClient();
    const user = await User.register(username, email, PASSWORD);
    expect(user.mfaEnabled).toBe(false);

    const enrollment = await User.enrollTotp();
    expect(enrollment.uri).toMatch(/^otpauth:\/\/totp\//);
    expect(enrollment.qrCodeSvg).toContain('<svg');
    const app = authenticator(enrollment.secret);
    const recoveryCodes = await User.confirmTotp(app.next());
    expect(recoveryCodes).toHaveLength(10);
    expect(await User.me()).toMatchObject({ id: user.id, mfaEnabled: true });

    await User.logout();
    expect(User.token()).toBe(false);
    return { User, user, username, app, recoveryCodes };
  }

  /** `promise`'s rejection, which must be a `SecondFactorRequired`. */
  async function secondStep(promise: Promise<unknown>): Promise<SecondFactorRequired> {
    const error = await failure(promise);
    expect(error).toBeInstanceOf(SecondFactorRequired);
    return error as SecondFactorRequired;
  }

  it('confirmTotp updates the kept user (mfaEnabled) and listeners hear a refresh', async () => {
    const { User } = newClient();
    await User.register(uniqueUsername('mfa'), null, PASSWORD);
    const changes: AuthChange[] = [];
    User.onChange((change) => changes.push(change));
    const { secret } = await User.enrollTotp();
    await User.confirmTotp(authenticator(secret).next());
    expect(changes.map((change) => change.type)).toEqual(['refresh']);
    expect(changes[0]!.user).toMatchObject({ mfaEnabled: true });
  });

  it('login hands over the second step; verify with a code from the app logs in', async () => {
    const { User, user, username, app } = await withTotp();
    const changes: AuthChange[] = [];
    User.onChange((change) => changes.push(change));

    const step = await secondStep(User.login(username, PASSWORD));
    expect(step.methods).toEqual(expect.arrayContaining(['TOTP', 'RECOVERY_CODE']));
    expect(User.token()).toBe(false);
    expect(changes).toEqual([]);

    const loggedIn = await step.verify(app.next());
    expect(loggedIn).toMatchObject({ id: user.id, username, mfaEnabled: true });
    expect(User.token()).toBe(true);
    expect(changes.map((change) => change.type)).toEqual(['login']);
    expect(changes[0]!.user).toMatchObject({ id: user.id });
    expect(await User.me()).toMatchObject({ id: user.id, mfaEnabled: true });
    expect(await User.accessToken()).toEqual(expect.any(String));
  });

  it('a wrong code rejects as INVALID_MFA_CODE and the same step can be retried', async () => {
    const { User, user, username, app } = await withTotp();
    const step = await secondStep(User.login(username, PASSWORD));

    const wrong = await failure(step.verify(app.wrong()));
    expect(wrong).toBeInstanceOf(TesseraError);
    expect(wrong).toMatchObject({ code: 'INVALID_MFA_CODE' });
    expect(User.token()).toBe(false);

    expect(await step.verify(app.next())).toMatchObject({ id: user.id });
    expect(User.token()).toBe(true);
    // The step works once.
    expect(await failure(step.verify(app.next()))).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('a recovery code works once in place of a code from the app', async () => {
    const { User, user, username, recoveryCodes } = await withTotp();
    const step = await secondStep(User.login(username, PASSWORD));
    expect(await step.verify(recoveryCodes[0]!)).toMatchObject({ id: user.id });
    expect(User.token()).toBe(true);

    const again = await secondStep(newClient().User.login(username, PASSWORD));
    expect(await failure(again.verify(recoveryCodes[0]!))).toMatchObject({ code: 'INVALID_MFA_CODE' });
  });

  it('a wrong password still rejects as INVALID_CREDENTIALS, not with a second step', async () => {
    const { User, username } = await withTotp();
    const error = await failure(User.login(username, 'not the passphrase at all'));
    expect(error).toBeInstanceOf(TesseraError);
    expect(error).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('resetPassword with a factor on changes the password and hands over the second step', async () => {
    const username = uniqueUsername('mfa');
    const email = uniqueEmail(username);
    const { User: setup } = newClient();
    const user = await setup.register(username, email, PASSWORD);
    const app = authenticator((await setup.enrollTotp()).secret);
    await setup.confirmTotp(app.next());

    const { User } = newClient();
    const changes: AuthChange[] = [];
    User.onChange((change) => changes.push(change));
    await User.requestPasswordReset(email);
    const link = await waitForMailLink(server.url, email, 'reset-password');
    const step = await secondStep(User.resetPassword(link.token, 'a brand new passphrase'));
    expect(User.token()).toBe(false);

    expect(await step.verify(app.next())).toMatchObject({ id: user.id, mfaEnabled: true });
    expect(User.token()).toBe(true);
    expect(changes.map((change) => change.type)).toEqual(['login']);
    expect(await User.me()).toMatchObject({ id: user.id });
  });

  describe('with a session', () => {
    async function loggedIn() {
      const setup = await withTotp();
      const step = await secondStep(setup.User.login(setup.username, PASSWORD));
      await step.verify(setup.app.next());
      return setup;
    }

    it('enrollTotp again rejects as TOTP_ALREADY_ENABLED', async () => {
      const { User } = await loggedIn();
      expect(await failure(User.enrollTotp())).toMatchObject({ code: 'TOTP_ALREADY_ENABLED' });
    });

    it('regenerateRecoveryCodes replaces the codes; a wrong code rejects as INVALID_MFA_CODE', async () => {
      const { User, username, app, recoveryCodes } = await loggedIn();
      expect(await failure(User.regenerateRecoveryCodes(app.wrong()))).toMatchObject({ code: 'INVALID_MFA_CODE' });
      const fresh = await User.regenerateRecoveryCodes(recoveryCodes[0]!);
      expect(fresh).toHaveLength(10);
      expect(fresh).not.toContain(recoveryCodes[1]);

      const old = await secondStep(newClient().User.login(username, PASSWORD));
      expect(await failure(old.verify(recoveryCodes[1]!))).toMatchObject({ code: 'INVALID_MFA_CODE' });
      expect(await old.verify(fresh[0]!)).toMatchObject({ username });
    });

    it('disableTotp turns the factor off: the kept user says so and login needs no second step', async () => {
      const { User, user, username, app } = await loggedIn();
      expect(await failure(User.disableTotp(app.wrong()))).toMatchObject({ code: 'INVALID_MFA_CODE' });
      expect(await User.disableTotp(app.next())).toMatchObject({ id: user.id, mfaEnabled: false });
      expect(await User.me()).toMatchObject({ mfaEnabled: false });
      expect(await newClient().User.login(username, PASSWORD)).toMatchObject({ id: user.id, mfaEnabled: false });
    });
  });
});
