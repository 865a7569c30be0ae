import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MailSender } from '../../server/mail/mail-sender.js';
import {
  mailsTo,
  requestEmailVerification,
  requestPasswordReset,
  RESET_SUBJECT,
  startAppMailSender,
  VERIFY_SUBJECT,
  waitForMailsTo,
} from '../helpers/account-mail.js';
import { registerUser, uniqueUsername } from '../helpers/accounts.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let sink: SmtpSink;
let app: TestApp;
let sender: MailSender;
beforeAll(async () => {
  sink = await startSmtpSink();
  app = await createTestApp({ RATE_LIMIT_MAIL: '2/1h' });
  sender = await startAppMailSender(app, sink);
});
afterAll(async () => {
  await sender?.stop();
  await app?.close();
  await sink?.stop();
});

async function registerWithEmail() {
  const username = uniqueUsername();
  const email = `${username}@example.com`;
  return { ...(await registerUser(app, { username, email })), email };
}

const limited = { __typename: 'RateLimitedError', code: 'RATE_LIMITED' };

describe('RATE_LIMIT_MAIL', () => {
  it('mail bombing: password resets for one address stop at the limit, in any case, with RATE_LIMITED', async () => {
    const account = await registerWithEmail();
    expect(await requestPasswordReset(app, account.email)).toMatchObject({ __typename: 'MailQueued' });
    expect(await requestPasswordReset(app, account.email)).toMatchObject({ __typename: 'MailQueued' });
    const refused = await requestPasswordReset(app, account.email);
    expect(refused).toMatchObject(limited);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(await requestPasswordReset(app, account.email.toUpperCase())).toMatchObject(limited);

    await waitForMailsTo(sink, account.email, { subject: RESET_SUBJECT, count: 2 });
    sender.wake();
    await sender.idle();
    expect(mailsTo(sink, account.email, RESET_SUBJECT)).toHaveLength(2);

    // Another address is not affected.
    const other = await registerWithEmail();
    expect(await requestPasswordReset(app, other.email)).toMatchObject({ __typename: 'MailQueued' });
  });

  it('the limit tells nothing either: an address no account has is limited at the same count', async () => {
    const nobody = `${uniqueUsername('nobody')}@example.com`;
    expect(await requestPasswordReset(app, nobody)).toMatchObject({ __typename: 'MailQueued' });
    expect(await requestPasswordReset(app, nobody)).toMatchObject({ __typename: 'MailQueued' });
    expect(await requestPasswordReset(app, nobody)).toMatchObject(limited);
  });

  it('mail bombing: verification mails asked for by the account stop at the limit', async () => {
    const account = await registerWithEmail();
    expect(await requestEmailVerification(app, account.accessToken)).toMatchObject({ __typename: 'MailQueued' });
    expect(await requestEmailVerification(app, account.accessToken)).toMatchObject({ __typename: 'MailQueued' });
    expect(await requestEmailVerification(app, account.accessToken)).toMatchObject(limited);
    // The one sent at registration and the two asked for.
    await waitForMailsTo(sink, account.email, { subject: VERIFY_SUBJECT, count: 3 });
    sender.wake();
    await sender.idle();
    expect(mailsTo(sink, account.email, VERIFY_SUBJECT)).toHaveLength(3);
  });
});
