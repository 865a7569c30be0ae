import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MailSender } from '../../server/mail/mail-sender.js';
import { createUserService } from '../../server/users/user.service.js';
import {
  changeEmail,
  graphqlSettled,
  htmlLinksOf,
  latestMailTo,
  linksIn,
  mailLinkOf,
  mailsTo,
  me,
  REQUEST_PASSWORD_RESET,
  requestEmailVerification,
  requestPasswordReset,
  RESET_SUBJECT,
  resetPassword,
  startAppMailSender,
  testClock,
  tokenOf,
  VERIFY_SUBJECT,
  verifyEmail,
  waitForMailsTo,
} from '../helpers/account-mail.js';
import {
  CHANGE_PASSWORD,
  LOGIN,
  ME,
  loginPair,
  refresh,
  registerUser,
  tokenStatus,
  uniqueUsername,
} from '../helpers/accounts.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createPeerApp, createTestApp, type TestApp } from '../helpers/test-app.js';
import { testDriver } from '../helpers/test-database.js';

const APP_URL = 'https://app.example.test/';
const PASSWORD_RESET_TTL_MS = 30 * 60_000;
const RETRY_BASE_MS = 30_000;
const NEW_PASSWORD = 'a brand new passphrase';

const clock = testClock();
let sink: SmtpSink;
let app: TestApp;
/** Another server on the same database, as another process would be. */
let peer: TestApp;
let sender: MailSender;
beforeAll(async () => {
  sink = await startSmtpSink();
  app = await createTestApp({ APP_URL, LOG_LEVEL: 'trace' }, undefined, { clock });
  peer = await createPeerApp(app.database, { APP_URL, LOG_LEVEL: 'trace' });
  sender = await startAppMailSender(app, sink, { clock, retryBaseMs: RETRY_BASE_MS });
});
afterAll(async () => {
  await sender?.stop();
  await peer?.close();
  await app?.close();
  await sink?.stop();
});

async function registerWithEmail(server: TestApp = app) {
  const username = uniqueUsername();
  const email = `${username}@example.com`;
  const account = await registerUser(server, { username, email });
  return { ...account, email };
}

/** Requests a reset link for `email` and returns the token from the mail that arrives (the `count`th to it). */
async function resetToken(email: string, count = 1): Promise<string> {
  expect(await requestPasswordReset(app, email)).toEqual({ __typename: 'MailQueued', to: email });
  const mails = await waitForMailsTo(sink, email, { subject: RESET_SUBJECT, count });
  return tokenOf(mails[count - 1]!, 'reset-password');
}

const loginResult = (server: TestApp, username: string, password: string) =>
  server.graphql(LOGIN, { variables: { username, password } }).then(({ body }) => body.data?.login);

const outboxTo = (email: string) =>
  app.database.db.selectFrom('mail_outbox').selectAll().where('recipient', '=', email).execute();

describe('password reset', () => {
  it('the link in the mail sets a new password and logs in; every earlier session ends, on every server', async () => {
    const account = await registerWithEmail();
    const second = await loginPair(app, account.username, account.password);
    const onPeer = await loginPair(peer, account.username, account.password);
    const before = [account, second, onPeer];
    expect(await me(app, account.accessToken)).toMatchObject({ emailVerified: false });

    expect(await requestPasswordReset(app, account.email)).toEqual({ __typename: 'MailQueued', to: account.email });
    const mail = await latestMailTo(sink, account.email, RESET_SUBJECT);
    expect(mail.text).toContain(`Hello ${account.username},`);
    expect(mail.text).toContain('The link works once, for 30 minutes.');
    const link = mailLinkOf(mail);
    expect(link.href.startsWith(`${APP_URL}#`)).toBe(true);
    expect(link.action).toBe('reset-password');
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(htmlLinksOf(mail)).toEqual([link.href]);

    const result = await resetPassword(app, link.token!, NEW_PASSWORD);
    expect(result).toMatchObject({
      __typename: 'AuthPayload',
      user: { id: account.id, email: account.email, emailVerified: true },
    });

    for (const server of [app, peer]) {
      expect(await tokenStatus(server, result.accessToken)).toBe('OK');
      for (const earlier of before) {
        const { status, body } = await server.graphql(ME, { token: earlier.accessToken });
        expect(status).toBe(401);
        expect(['TOKEN_REVOKED', 'TOKEN_STALE']).toContain(body.errors?.[0]?.extensions?.reason);
      }
    }
    for (const earlier of before) {
      expect(await refresh(peer, earlier.refreshToken)).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    }
    expect(await refresh(peer, result.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });

    // The link works once.
    expect(await resetPassword(app, link.token!, 'yet another long passphrase')).toMatchObject({
      __typename: 'InvalidTokenError',
      code: 'INVALID_TOKEN',
    });
    expect(await loginResult(app, account.username, NEW_PASSWORD)).toMatchObject({ __typename: 'AuthPayload' });
    expect(await loginResult(app, account.username, account.password)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    // The mail reached the address: it counts as verified.
    expect(await me(app, result.accessToken)).toMatchObject({ email: account.email, emailVerified: true });
  });

  it('a newer request voids the older link', async () => {
    const account = await registerWithEmail();
    const older = await resetToken(account.email, 1);
    const newer = await resetToken(account.email, 2);
    expect(newer).not.toBe(older);

    expect(await resetPassword(app, older, NEW_PASSWORD)).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await loginResult(app, account.username, account.password)).toMatchObject({ __typename: 'AuthPayload' });
    expect(await resetPassword(app, newer, NEW_PASSWORD)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('a link works until PASSWORD_RESET_TTL has passed, and not after', async () => {
    const early = await registerWithEmail();
    const late = await registerWithEmail();
    const earlyToken = await resetToken(early.email);
    const lateToken = await resetToken(late.email);

    clock.advance(PASSWORD_RESET_TTL_MS - 60_000);
    expect(await resetPassword(app, earlyToken, NEW_PASSWORD)).toMatchObject({ __typename: 'AuthPayload' });

    clock.advance(2 * 60_000);
    expect(await resetPassword(app, lateToken, NEW_PASSWORD)).toMatchObject({
      __typename: 'InvalidTokenError',
      code: 'INVALID_TOKEN',
    });
    expect(await tokenStatus(app, late.accessToken)).toBe('OK');
    expect(await loginResult(app, late.username, late.password)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('a refused new password leaves the link working', async () => {
    const account = await registerWithEmail();
    const token = await resetToken(account.email);
    expect(await resetPassword(app, token, 'short')).toMatchObject({
      __typename: 'ValidationError',
      field: 'newPassword',
    });
    expect(await tokenStatus(app, account.accessToken)).toBe('OK');
    expect(await resetPassword(app, token, NEW_PASSWORD)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('password reset enumeration: an unknown address gets the same answer as a known one, and no mail', async () => {
    const known = await registerWithEmail();
    const unknown = `${uniqueUsername('nobody')}@example.com`;

    const answers = [];
    for (const email of [known.email, unknown]) {
      const response = await graphqlSettled(app, REQUEST_PASSWORD_RESET, { variables: { email } });
      answers.push({
        status: response.status,
        body: JSON.stringify(response.body).split(email).join('<email>'),
        headers: [...response.headers.keys()].sort(),
      });
    }
    expect(answers[0]!.status).toBe(200);
    expect(answers[0]!.body).toBe('{"data":{"requestPasswordReset":{"__typename":"MailQueued","to":"<email>"}}}');
    expect(answers[1]).toEqual(answers[0]);

    await latestMailTo(sink, known.email, RESET_SUBJECT);
    sender.wake();
    await sender.idle();
    // Everything the request started has ended (graphqlSettled): nothing was queued for the unknown address.
    expect(await outboxTo(unknown)).toEqual([]);
    expect(mailsTo(sink, unknown)).toEqual([]);
  });

  it('a disabled account gets no reset mail, and a link mailed before it was disabled does not let it in', async () => {
    const account = await registerWithEmail();
    const users = createUserService({ db: app.database.db, revocations: app.revocations });
    const token = await resetToken(account.email);
    await users.setDisabled({ id: account.id }, true);

    expect(await resetPassword(app, token, NEW_PASSWORD)).toMatchObject({
      __typename: 'AccountDisabledError',
      code: 'ACCOUNT_DISABLED',
    });
    // Same answer as for anyone, and no second mail.
    expect(await requestPasswordReset(app, account.email)).toEqual({ __typename: 'MailQueued', to: account.email });
    sender.wake();
    await sender.idle();
    expect(mailsTo(sink, account.email, RESET_SUBJECT)).toHaveLength(1);

    // Enabled again, the link still works: the refusal did not use it up.
    await users.setDisabled({ id: account.id }, false);
    expect(await resetPassword(app, token, NEW_PASSWORD)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('token confusion: a verification token does not reset a password, nor a reset token verify an address', async () => {
    const account = await registerWithEmail();
    const verifyToken = tokenOf(await latestMailTo(sink, account.email, VERIFY_SUBJECT), 'verify-email');
    const reset = await resetToken(account.email);

    expect(await resetPassword(app, verifyToken, NEW_PASSWORD)).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await verifyEmail(app, reset)).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await loginResult(app, account.username, account.password)).toMatchObject({ __typename: 'AuthPayload' });
    expect(await me(app, account.accessToken)).toMatchObject({ emailVerified: false });

    // Neither was used up by the misuse.
    expect(await verifyEmail(app, verifyToken)).toMatchObject({ __typename: 'User', emailVerified: true });
    expect(await resetPassword(app, reset, NEW_PASSWORD)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('stolen reset link: void once the owner changes the password', async () => {
    const account = await registerWithEmail();
    const stolen = await resetToken(account.email);
    const { body } = await app.graphql(CHANGE_PASSWORD, {
      token: account.accessToken,
      variables: { current: account.password, next: NEW_PASSWORD },
    });
    expect(body.data?.changePassword).toMatchObject({ __typename: 'AuthPayload' });

    expect(await resetPassword(app, stolen, 'the thief chose this one')).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await loginResult(app, account.username, NEW_PASSWORD)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('stolen reset link: void once the owner moves the account to another address', async () => {
    const account = await registerWithEmail();
    // Sent to the old mailbox, which someone else reads.
    const stolen = await resetToken(account.email);
    const newEmail = `${uniqueUsername('moved')}@example.com`;
    await changeEmail(app, account.accessToken, newEmail, account.password);
    // Until the new address is verified the old one is still the account's, and so is the link.
    await verifyEmail(app, tokenOf(await latestMailTo(sink, newEmail, VERIFY_SUBJECT), 'verify-email'));

    expect(await resetPassword(app, stolen, 'the thief chose this one')).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await loginResult(app, account.username, account.password)).toMatchObject({ __typename: 'AuthPayload' });
    // The old address no longer gets a link either; the new one does.
    expect(await requestPasswordReset(app, account.email)).toMatchObject({ __typename: 'MailQueued' });
    sender.wake();
    await sender.idle();
    expect(mailsTo(sink, account.email, RESET_SUBJECT)).toHaveLength(1);
    expect(await resetPassword(app, await resetToken(newEmail), NEW_PASSWORD)).toMatchObject({
      __typename: 'AuthPayload',
    });
  });

  it('a reset requested while SMTP is down arrives once SMTP is back, exactly once', async () => {
    const account = await registerWithEmail();
    // Its verification mail is out of the way first.
    await latestMailTo(sink, account.email, VERIFY_SUBJECT);
    await sender.idle();

    await sink.stop();
    try {
      // The answer does not depend on the mail server.
      expect(await requestPasswordReset(app, account.email)).toEqual({ __typename: 'MailQueued', to: account.email });
      const deadline = Date.now() + 5_000;
      while ((await outboxTo(account.email)).every((row) => row.last_error === null)) {
        if (Date.now() > deadline) throw new Error('The sender never tried');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await sender.idle();
      expect((await outboxTo(account.email)).find((row) => row.subject === RESET_SUBJECT)).toMatchObject({
        status: 'pending',
        attempts: 1,
      });
    } finally {
      await sink.start();
    }
    // Not due yet: nothing before the backoff has passed.
    sender.wake();
    await sender.idle();
    expect(mailsTo(sink, account.email, RESET_SUBJECT)).toEqual([]);

    clock.advance(RETRY_BASE_MS);
    sender.wake();
    const [mail] = await waitForMailsTo(sink, account.email, { subject: RESET_SUBJECT });
    expect(await resetPassword(app, tokenOf(mail!, 'reset-password'), NEW_PASSWORD)).toMatchObject({
      __typename: 'AuthPayload',
    });

    // Long after, still one.
    clock.advance(24 * 3_600_000);
    sender.wake();
    await sender.idle();
    expect(mailsTo(sink, account.email, RESET_SUBJECT)).toHaveLength(1);
    expect((await outboxTo(account.email)).find((row) => row.subject === RESET_SUBJECT)).toMatchObject({
      status: 'sent',
      attempts: 2,
    });
  });

  it.runIf(testDriver === 'postgres')(
    'two servers with a mail sender each on one database: a reset request yields exactly one mail',
    async () => {
      const peerSender = await startAppMailSender(peer, sink, { clock });
      try {
        const accounts = [await registerWithEmail(app), await registerWithEmail(peer), await registerWithEmail(peer)];
        for (const [index, account] of accounts.entries()) {
          const server = index % 2 === 0 ? app : peer;
          expect(await requestPasswordReset(server, account.email)).toMatchObject({ __typename: 'MailQueued' });
        }
        for (const account of accounts) await waitForMailsTo(sink, account.email, { subject: RESET_SUBJECT });
        for (const each of [sender, peerSender]) each.wake();
        await Promise.all([sender.idle(), peerSender.idle()]);
        for (const account of accounts) {
          expect(mailsTo(sink, account.email, RESET_SUBJECT)).toHaveLength(1);
          expect(mailsTo(sink, account.email, VERIFY_SUBJECT)).toHaveLength(1);
        }
        // Both senders were awake for them: each mail was claimed by one.
        const rows = await app.database.db
          .selectFrom('mail_outbox')
          .select(['status', 'attempts'])
          .where(
            'recipient',
            'in',
            accounts.map((account) => account.email),
          )
          .execute();
        expect(rows).toHaveLength(6);
        expect(rows.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
      } finally {
        await peerSender.stop();
      }
    },
  );

  it('no token from a mail ever reaches the server logs', async () => {
    const account = await registerWithEmail();
    await verifyEmail(app, tokenOf(await latestMailTo(sink, account.email, VERIFY_SUBJECT), 'verify-email'));
    const newEmail = `${uniqueUsername('moved')}@example.com`;
    await changeEmail(app, account.accessToken, newEmail, account.password);
    const changeToken = tokenOf(await latestMailTo(sink, newEmail, VERIFY_SUBJECT), 'verify-email');
    await verifyEmail(app, changeToken);
    await verifyEmail(peer, changeToken); // used: refused
    await requestEmailVerification(app, account.accessToken); // verified already: refused
    const first = await resetToken(newEmail, 1);
    const second = await resetToken(newEmail, 2);
    await resetPassword(app, first, NEW_PASSWORD); // voided: refused
    await resetPassword(peer, second, 'short'); // refused, link kept
    await resetPassword(peer, second, NEW_PASSWORD);
    sender.wake();
    await sender.idle();

    // Every link any mail of this file carried, and the token in it.
    const tokens = sink.mails.flatMap((mail) => linksIn(mail.text ?? '')).map((href) => tokenInLink(href));
    expect(tokens.length).toBeGreaterThan(10);
    const logs = [...app.logs, ...peer.logs].join('');
    expect(logs).toContain('Mail sent'); // the sender logged at trace level into the same lines
    for (const token of tokens) expect(logs).not.toContain(token);
  });
});

/** The token in a link's fragment. */
function tokenInLink(href: string): string {
  const token = new URLSearchParams(new URL(href).hash.slice(1)).get('token');
  if (!token) throw new Error(`No token in ${href}`);
  return token;
}
