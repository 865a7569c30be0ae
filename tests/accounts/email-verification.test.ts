import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MailSender } from '../../server/mail/mail-sender.js';
import {
  CHANGE_NOTICE_SUBJECT,
  changeEmail,
  CHANGE_EMAIL,
  htmlLinksOf,
  latestMailTo,
  linksIn,
  mailLinkOf,
  mailsTo,
  me,
  recipientOf,
  requestEmailVerification,
  startAppMailSender,
  testClock,
  tokenOf,
  VERIFY_SUBJECT,
  verifyEmail,
  waitForMailsTo,
} from '../helpers/account-mail.js';
import { CHANGE_PASSWORD, login, PASSWORD, REGISTER, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const APP_URL = 'https://app.example.test/account/';
const EMAIL_TOKEN_TTL_MS = 24 * 3_600_000;

const clock = testClock();
let sink: SmtpSink;
let app: TestApp;
let sender: MailSender;
beforeAll(async () => {
  sink = await startSmtpSink();
  app = await createTestApp({ APP_URL }, undefined, { clock });
  sender = await startAppMailSender(app, sink, { clock });
});
afterAll(async () => {
  await sender?.stop();
  await app?.close();
  await sink?.stop();
});

/** A new account with an address of its own; its verification mail is on its way. */
async function registerWithEmail() {
  const username = uniqueUsername();
  const email = `${username}@example.com`;
  const account = await registerUser(app, { username, email });
  return { ...account, email };
}

async function verificationToken(email: string): Promise<string> {
  return tokenOf(await latestMailTo(sink, email, VERIFY_SUBJECT), 'verify-email');
}

describe('email verification', () => {
  it('register with an email: a mail arrives over SMTP whose link proves the address, once', async () => {
    const account = await registerWithEmail();
    expect(await me(app, account.accessToken)).toMatchObject({ email: account.email, emailVerified: false });

    const [mail] = await waitForMailsTo(sink, account.email);
    expect(mail!.subject).toBe(VERIFY_SUBJECT);
    expect(mail!.from?.text).toBe('"Tessera Test" <no-reply@tessera.test>');
    expect(recipientOf(mail!)).toBe(account.email);
    expect(mail!.text).toContain(`Hello ${account.username},`);
    expect(mail!.text).toContain('The link works once, for 1 day.');

    // The link opens the front end, with the token in the fragment only: never sent to any server by a browser.
    const link = mailLinkOf(mail!);
    expect(`${link.url.origin}${link.url.pathname}`).toBe(APP_URL);
    expect(link.url.search).toBe('');
    expect(link.action).toBe('verify-email');
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The HTML part carries the same link, as a link and as text to paste.
    expect(htmlLinksOf(mail!)).toEqual([link.href]);
    expect(mail!.html).toContain('Confirm my address');

    const verified = await verifyEmail(app, link.token!);
    expect(verified).toEqual({
      __typename: 'User',
      id: account.id,
      username: account.username,
      email: account.email,
      emailVerified: true,
    });
    expect(await me(app, account.accessToken)).toMatchObject({ emailVerified: true });

    // Single use.
    expect(await verifyEmail(app, link.token!)).toMatchObject({
      __typename: 'InvalidTokenError',
      code: 'INVALID_TOKEN',
    });
    expect(mailsTo(sink, account.email)).toHaveLength(1);
  });

  it('requestEmailVerification sends a new link and voids the older one', async () => {
    const account = await registerWithEmail();
    const first = await verificationToken(account.email);

    expect(await requestEmailVerification(app, account.accessToken)).toEqual({
      __typename: 'MailQueued',
      to: account.email,
    });
    const mails = await waitForMailsTo(sink, account.email, { subject: VERIFY_SUBJECT, count: 2 });
    const second = tokenOf(mails[1]!, 'verify-email');
    expect(second).not.toBe(first);

    expect(await verifyEmail(app, first)).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await me(app, account.accessToken)).toMatchObject({ emailVerified: false });
    expect(await verifyEmail(app, second)).toMatchObject({ __typename: 'User', emailVerified: true });

    // Nothing left to verify.
    expect(await requestEmailVerification(app, account.accessToken)).toMatchObject({
      __typename: 'ValidationError',
      field: 'email',
    });
  });

  it('requestEmailVerification without an address on the account is a ValidationError, and needs a login', async () => {
    const account = await registerUser(app);
    expect(await requestEmailVerification(app, account.accessToken)).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION',
      field: 'email',
    });
    const { body } = await app.graphql('mutation { requestEmailVerification { __typename } }');
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('a link works until EMAIL_TOKEN_TTL has passed, and not after', async () => {
    const early = await registerWithEmail();
    const late = await registerWithEmail();
    const earlyToken = await verificationToken(early.email);
    const lateToken = await verificationToken(late.email);

    clock.advance(EMAIL_TOKEN_TTL_MS - 60_000);
    expect(await verifyEmail(app, earlyToken)).toMatchObject({ __typename: 'User', emailVerified: true });

    clock.advance(2 * 60_000);
    expect(await verifyEmail(app, lateToken)).toMatchObject({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });
    expect(await me(app, late.accessToken)).toMatchObject({ emailVerified: false });

    // The way out: a new mail.
    await requestEmailVerification(app, late.accessToken);
    const [, renewed] = await waitForMailsTo(sink, late.email, { subject: VERIFY_SUBJECT, count: 2 });
    expect(await verifyEmail(app, tokenOf(renewed!, 'verify-email'))).toMatchObject({ emailVerified: true });
  });

  it('token guessing: a well-formed token that was never mailed, or garbage, is INVALID_TOKEN', async () => {
    const account = await registerWithEmail();
    const real = await verificationToken(account.email);
    const guesses = [
      'A'.repeat(43),
      // One character off the real one.
      `${real.slice(0, 42)}${real.endsWith('A') ? 'B' : 'A'}`,
      real.slice(0, 42),
      `${real}=`,
      '',
      'not a token',
    ];
    for (const guess of guesses) {
      expect(await verifyEmail(app, guess)).toMatchObject({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });
    }
    expect(await me(app, account.accessToken)).toMatchObject({ emailVerified: false });
    expect(await verifyEmail(app, real)).toMatchObject({ emailVerified: true });
  });

  it('addresses are unique without regard to case: EMAIL_TAKEN at register, and no account is created', async () => {
    const username = uniqueUsername();
    const email = `${username}@Example.com`;
    await registerUser(app, { username, email });

    const other = uniqueUsername();
    const { body } = await app.graphql(REGISTER, {
      variables: { username: other, email: email.toUpperCase(), password: PASSWORD },
    });
    expect(body.data?.register).toMatchObject({ __typename: 'EmailTakenError', code: 'EMAIL_TAKEN' });
    await expect(login(app, other, PASSWORD)).rejects.toThrow(/INVALID_CREDENTIALS/);
    // Only the first account's verification mail went out.
    await waitForMailsTo(sink, email);
    sender.wake();
    await sender.idle();
    expect(mailsTo(sink, email)).toHaveLength(1);
  });
});

describe('Mutation.changeEmail', () => {
  /** An account whose first address is verified. */
  async function verifiedAccount() {
    const account = await registerWithEmail();
    await verifyEmail(app, await verificationToken(account.email));
    return account;
  }

  it('refuses a wrong password and sends nothing', async () => {
    const account = await verifiedAccount();
    const newEmail = `${uniqueUsername('new')}@example.com`;
    expect(await changeEmail(app, account.accessToken, newEmail, 'not my password')).toMatchObject({
      __typename: 'InvalidCredentialsError',
      code: 'INVALID_CREDENTIALS',
    });
    const queued = await app.database.db
      .selectFrom('mail_outbox')
      .select('subject')
      .where('recipient', 'in', [newEmail, account.email])
      .execute();
    // Only the verification mail of the first address, long since sent.
    expect(queued.map((row) => row.subject)).toEqual([VERIFY_SUBJECT]);
    expect(await me(app, account.accessToken)).toMatchObject({ email: account.email, emailVerified: true });
  });

  it('mails the new address a link and the old one a notice; the address changes only when the link is used', async () => {
    const account = await verifiedAccount();
    const newEmail = `${uniqueUsername('new')}@example.com`;

    expect(await changeEmail(app, account.accessToken, newEmail, account.password)).toEqual({
      __typename: 'MailQueued',
      to: newEmail,
    });

    const notice = await latestMailTo(sink, account.email, CHANGE_NOTICE_SUBJECT);
    expect(notice.text).toContain(newEmail);
    expect(notice.text).toContain('change your password');
    // The notice carries no link that could confirm anything.
    expect(linksIn(notice.text ?? '')).toEqual([]);
    expect(htmlLinksOf(notice)).toEqual([]);

    const token = await verificationToken(newEmail);
    // Not yet: the old address is still the account's, and verified.
    expect(await me(app, account.accessToken)).toMatchObject({ email: account.email, emailVerified: true });

    expect(await verifyEmail(app, token)).toMatchObject({
      __typename: 'User',
      id: account.id,
      email: newEmail,
      emailVerified: true,
    });
    expect(await me(app, account.accessToken)).toMatchObject({ email: newEmail, emailVerified: true });
    // The old address is free again.
    const reuse = await registerUser(app, { email: account.email.toUpperCase() });
    expect(reuse.id).not.toBe(account.id);
  });

  it('hijack by a change of address with a stolen password: the owner changing the password voids the pending change', async () => {
    const account = await verifiedAccount();
    const thiefEmail = `${uniqueUsername('thief')}@example.com`;
    expect(await changeEmail(app, account.accessToken, thiefEmail, account.password)).toMatchObject({
      __typename: 'MailQueued',
    });
    const token = await verificationToken(thiefEmail);
    // The owner reads the notice and changes the password, as it says.
    await latestMailTo(sink, account.email, CHANGE_NOTICE_SUBJECT);
    const { body } = await app.graphql(CHANGE_PASSWORD, {
      token: account.accessToken,
      variables: { current: account.password, next: 'a brand new passphrase 42' },
    });
    expect(body.data?.changePassword).toMatchObject({ __typename: 'AuthPayload' });

    expect(await verifyEmail(app, token)).toMatchObject({ code: 'INVALID_TOKEN' });
    const accessToken = body.data!.changePassword.accessToken as string;
    expect(await me(app, accessToken)).toMatchObject({ email: account.email, emailVerified: true });
  });

  it('refuses an address another account has, in any case, with EMAIL_TAKEN', async () => {
    const account = await verifiedAccount();
    const owner = await registerWithEmail();
    expect(await changeEmail(app, account.accessToken, owner.email.toUpperCase(), account.password)).toMatchObject({
      __typename: 'EmailTakenError',
      code: 'EMAIL_TAKEN',
    });
    expect(await me(app, account.accessToken)).toMatchObject({ email: account.email });
    expect(mailsTo(sink, account.email, CHANGE_NOTICE_SUBJECT)).toEqual([]);
  });

  it('an address taken by someone else before the link is used: EMAIL_TAKEN at verifyEmail, nothing changes', async () => {
    const account = await verifiedAccount();
    const contested = `${uniqueUsername('contested')}@example.com`;
    await changeEmail(app, account.accessToken, contested, account.password);
    const token = await verificationToken(contested);

    // Another account registers with the address (it is nobody's yet).
    const other = await registerUser(app, { email: contested });
    expect(await verifyEmail(app, token)).toMatchObject({ __typename: 'EmailTakenError', code: 'EMAIL_TAKEN' });
    expect(await me(app, account.accessToken)).toMatchObject({ email: account.email, emailVerified: true });
    expect(await me(app, other.accessToken)).toMatchObject({ email: contested, emailVerified: false });
  });

  it('needs a login', async () => {
    const { body } = await app.graphql(CHANGE_EMAIL, {
      variables: { newEmail: 'someone@example.com', password: PASSWORD },
    });
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});
