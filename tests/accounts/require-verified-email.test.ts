import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MailSender } from '../../server/mail/mail-sender.js';
import {
  latestMailTo,
  requestPasswordReset,
  RESET_SUBJECT,
  resetPassword,
  startAppMailSender,
  testClock,
  tokenOf,
  VERIFY_SUBJECT,
  verifyEmail,
} from '../helpers/account-mail.js';
import { LOGIN, PASSWORD, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const clock = testClock();
let sink: SmtpSink;
let app: TestApp;
let sender: MailSender;
beforeAll(async () => {
  sink = await startSmtpSink();
  app = await createTestApp({ REQUIRE_VERIFIED_EMAIL: 'true' }, undefined, { clock });
  sender = await startAppMailSender(app, sink, { clock });
});
afterAll(async () => {
  await sender?.stop();
  await app?.close();
  await sink?.stop();
});

const register = (username: string, email: string | undefined, password = PASSWORD) =>
  app.graphql(REGISTER, { variables: { username, email, password } }).then(({ body }) => body.data?.register);

const login = (username: string, password: string) =>
  app.graphql(LOGIN, { variables: { username, password } }).then(({ body }) => body.data?.login);

/** Registers; the server answers EmailNotVerifiedError and mails a link. */
async function registerUnverified() {
  const username = uniqueUsername();
  const email = `${username}@example.com`;
  expect(await register(username, email)).toMatchObject({
    __typename: 'EmailNotVerifiedError',
    code: 'EMAIL_NOT_VERIFIED',
  });
  return { username, email };
}

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  it('register creates the account and mails a link, but opens no session until the address is verified', async () => {
    const { username, email } = await registerUnverified();
    // The account exists: its username is taken.
    expect(await register(username, `other-${email}`)).toMatchObject({ code: 'USERNAME_TAKEN' });

    expect(await login(username, PASSWORD)).toMatchObject({
      __typename: 'EmailNotVerifiedError',
      code: 'EMAIL_NOT_VERIFIED',
    });
    // A wrong password is told nothing about the address: the same answer as for anyone.
    const wrong = await login(username, 'not the password');
    expect(wrong).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });
    expect(await login(uniqueUsername('nobody'), 'not the password')).toEqual(wrong);

    const token = tokenOf(await latestMailTo(sink, email, VERIFY_SUBJECT), 'verify-email');
    expect(await verifyEmail(app, token)).toMatchObject({ __typename: 'User', username, emailVerified: true });
    expect(await login(username, PASSWORD)).toMatchObject({
      __typename: 'AuthPayload',
      user: { username, email },
    });
  });

  it('register without an email is a ValidationError on email, and creates nothing', async () => {
    const username = uniqueUsername();
    expect(await register(username, undefined)).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION',
      field: 'email',
    });
    expect(await register(username, '')).toMatchObject({ __typename: 'ValidationError', field: 'email' });
    // The username is still free.
    expect(await register(username, `${username}@example.com`)).toMatchObject({ code: 'EMAIL_NOT_VERIFIED' });
  });

  it('a password reset proves the address: an account whose verification link expired gets in that way', async () => {
    const { username, email } = await registerUnverified();
    const verifyToken = tokenOf(await latestMailTo(sink, email, VERIFY_SUBJECT), 'verify-email');
    clock.advance(24 * 3_600_000 + 1_000);
    expect(await verifyEmail(app, verifyToken)).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await login(username, PASSWORD)).toMatchObject({ code: 'EMAIL_NOT_VERIFIED' });

    await requestPasswordReset(app, email);
    const resetToken = tokenOf(await latestMailTo(sink, email, RESET_SUBJECT), 'reset-password');
    expect(await resetPassword(app, resetToken, 'a brand new passphrase')).toMatchObject({
      __typename: 'AuthPayload',
      user: { username, emailVerified: true },
    });
    expect(await login(username, 'a brand new passphrase')).toMatchObject({ __typename: 'AuthPayload' });
  });
});
