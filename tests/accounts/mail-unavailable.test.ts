import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import {
  changeEmail,
  me,
  requestEmailVerification,
  requestPasswordReset,
  resetPassword,
  verifyEmail,
} from '../helpers/account-mail.js';
import { registerUser, uniqueUsername } from '../helpers/accounts.js';
import { createTestApp, type TestApp, PRODUCTION_ENV } from '../helpers/test-app.js';

// Production with no SMTP_URL: the server sends no mail, and says so instead of pretending.
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ ...PRODUCTION_ENV });
});
afterAll(() => app?.close());

const unavailable = { __typename: 'MailUnavailableError', code: 'MAIL_UNAVAILABLE' };

describe('production without SMTP_URL', () => {
  it('register with an email still works; the address stays unverified and nothing is queued', async () => {
    const username = uniqueUsername();
    const email = `${username}@example.com`;
    const account = await registerUser(app, { username, email });
    expect(await me(app, account.accessToken)).toMatchObject({ email, emailVerified: false });
    expect(await app.database.db.selectFrom('mail_outbox').selectAll().execute()).toEqual([]);
  });

  it('requestPasswordReset, changeEmail and requestEmailVerification answer MAIL_UNAVAILABLE', async () => {
    const username = uniqueUsername();
    const email = `${username}@example.com`;
    const account = await registerUser(app, { username, email });

    expect(await requestPasswordReset(app, email)).toMatchObject(unavailable);
    expect(await requestPasswordReset(app, `${uniqueUsername('nobody')}@example.com`)).toMatchObject(unavailable);
    expect(await changeEmail(app, account.accessToken, `new-${email}`, account.password)).toMatchObject(unavailable);
    expect(await requestEmailVerification(app, account.accessToken)).toMatchObject(unavailable);

    expect(await me(app, account.accessToken)).toMatchObject({ email, emailVerified: false });
    expect(await app.database.db.selectFrom('mail_outbox').selectAll().execute()).toEqual([]);
    expect(await app.database.db.selectFrom('email_tokens').selectAll().execute()).toEqual([]);
    // Nothing was ever mailed, so no link works.
    expect(await verifyEmail(app, 'A'.repeat(43))).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await resetPassword(app, 'A'.repeat(43), 'a brand new passphrase')).toMatchObject({
      code: 'INVALID_TOKEN',
    });
  });

  it('REQUIRE_VERIFIED_EMAIL=true is refused at startup: nobody could ever log in', () => {
    expect(() => loadConfig({ ...PRODUCTION_ENV, REQUIRE_VERIFIED_EMAIL: 'true' })).toThrow(
      /REQUIRE_VERIFIED_EMAIL=true needs SMTP_URL/,
    );
  });
});
