import { createSecretKey } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { createSecretBox, secretBoxKey } from '../../server/security/secret-box.js';
import { graphqlSettled, RESET_PASSWORD, RESET_SUBJECT, testClock } from '../helpers/account-mail.js';
import { registerUser, tokenStatus, uniqueUsername } from '../helpers/accounts.js';
import { loginFirstStep, mutate, totpCode, turnOnTotp, verifyMfa } from '../helpers/mfa.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';
import { decodeClaims, signWithServerKey } from '../helpers/tokens.js';

const REQUEST_RESET = 'mutation($email: String!) { requestPasswordReset(email: $email) { __typename } }';
const NEW_PASSWORD = 'a brand new passphrase for this';

describe('second factors and the other ways in', () => {
  const clock = testClock();
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_ACCOUNT: '8/1h' }, undefined, { clock });
  });
  afterAll(() => app?.close());

  /**
   * Asks for a reset link for `email` and returns its token, read from the development outbox's table once the
   * request's work after its answer (the lookup and the mail) has ended.
   */
  async function resetTokenFor(email: string): Promise<string> {
    const { body } = await graphqlSettled(app, REQUEST_RESET, { variables: { email } });
    expect(body.data?.requestPasswordReset).toEqual({ __typename: 'MailQueued' });
    const mail = await app.database.db
      .selectFrom('mail_outbox')
      .select('text_body')
      .where('recipient', '=', email)
      .where('subject', '=', RESET_SUBJECT)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    const token = mail?.text_body.match(/token=([A-Za-z0-9_-]{43})/)?.[1];
    if (!token) throw new Error(`no reset mail to ${email}`);
    return token;
  }

  it('MFA bypass by password reset: the link sets the password, and the session still waits for a code', async () => {
    const username = uniqueUsername();
    const email = `${username}@example.com`;
    const account = await registerUser(app, { username, email });
    const { secret } = await turnOnTotp(app, account, clock);
    const token = await resetTokenFor(email);
    const reset = await mutate(
      app,
      RESET_PASSWORD.replace('...ErrorResult', '...ErrorResult ... on MfaRequired { challenge methods }'),
      { variables: { token, newPassword: NEW_PASSWORD } },
    );
    expect(reset).toEqual({
      __typename: 'MfaRequired',
      challenge: expect.any(String),
      methods: ['TOTP', 'RECOVERY_CODE'],
    });
    // The password changed, and every session before ended.
    expect(await tokenStatus(app, account.accessToken)).toBe('TOKEN_REVOKED');
    expect((await loginFirstStep(app, username, NEW_PASSWORD)).__typename).toBe('MfaRequired');
    const pair = await verifyMfa(app, reset.challenge, totpCode(secret, clock));
    expect(pair.__typename).toBe('AuthPayload');
    expect(decodeClaims(pair.accessToken).amr).toEqual(['pwd', 'otp']);
    const login = await app.database.db
      .selectFrom('auth_events')
      .select('detail')
      .where('user_id', '=', account.id)
      .where('type', '=', 'LOGIN_SUCCEEDED')
      .orderBy('occurred_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(login.detail).toMatchObject({ method: 'password-reset' });
  });

  it('MFA code brute force across challenges: codes are rate limited per account, like logins', async () => {
    const account = await registerUser(app);
    const { secret } = await turnOnTotp(app, account, clock);
    const wrong = totpCode(secret, clock, -10);
    // 8 per account (RATE_LIMIT_ACCOUNT here): two fresh challenges of 4 wrong codes each stay under 5 a challenge.
    for (let challenge = 0; challenge < 2; challenge++) {
      const first = await loginFirstStep(app, account.username, account.password);
      for (let attempt = 0; attempt < 4; attempt++) {
        expect(await verifyMfa(app, first.challenge, wrong)).toMatchObject({ code: 'INVALID_MFA_CODE' });
      }
    }
    const third = await loginFirstStep(app, account.username, account.password);
    const answer = await verifyMfa(app, third.challenge, totpCode(secret, clock));
    expect(answer).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
  });

  it('keeps accepting access tokens minted before amr and auth_time existed (but step-up refuses them)', async () => {
    const account = await registerUser(app);
    const { amr: _amr, auth_time: _authTime, ...older } = decodeClaims(account.accessToken);
    const token = signWithServerKey(older);
    expect(await tokenStatus(app, token)).toBe('OK');
    const changed = await mutate(
      app,
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename } }',
      { token, variables: { c: account.password, n: NEW_PASSWORD } },
    );
    expect(changed).toEqual({ __typename: 'ReauthenticationRequiredError' });
    expect(await tokenStatus(app, signWithServerKey({ ...older, amr: 'pwd' }))).toBe('TOKEN_INVALID');
    expect(await tokenStatus(app, signWithServerKey({ ...older, auth_time: '1' }))).toBe('TOKEN_INVALID');
  });
});

describe('secret box (TOTP secrets at rest)', () => {
  const key = secretBoxKey(undefined, createSecretKey(Buffer.from(TEST_JWT_SECRET)));
  const box = createSecretBox(key);

  it('seals with AES-256-GCM under a version prefix, and opens only with the same key and context', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'row-1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP', 'row-1')).not.toBe(sealed); // a fresh IV each time
    expect(box.open(sealed, 'row-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => box.open(sealed, 'row-2')).toThrow();
    // One character of the ciphertext changed (the second to last: the last carries padding bits).
    const tampered = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.slice(-1)}`;
    expect(() => box.open(tampered, 'row-1')).toThrow();
    const other = createSecretBox(secretBoxKey(Buffer.alloc(32, 7), createSecretKey(Buffer.from(TEST_JWT_SECRET))));
    expect(() => other.open(sealed, 'row-1')).toThrow();
    expect(() => box.open(`v2.${sealed.slice(3)}`, 'row-1')).toThrow();
  });

  it('takes KEY_ENCRYPTION_KEY as hex or base64 of 32 bytes, and REAUTH_WINDOW as a duration (10m)', () => {
    const base = { NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET };
    expect(loadConfig(base)).toMatchObject({ keyEncryptionKey: undefined, reauthWindowSeconds: 600 });
    expect(loadConfig({ ...base, REAUTH_WINDOW: '5m' }).reauthWindowSeconds).toBe(300);
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ ...base, KEY_ENCRYPTION_KEY: hex }).keyEncryptionKey).toEqual(Buffer.from(hex, 'hex'));
    const base64 = Buffer.alloc(32, 9).toString('base64');
    expect(loadConfig({ ...base, KEY_ENCRYPTION_KEY: base64 }).keyEncryptionKey).toEqual(Buffer.alloc(32, 9));
    for (const bad of ['short', 'ab'.repeat(31), Buffer.alloc(31).toString('base64'), 'secret-value'.repeat(4)]) {
      expect(() => loadConfig({ ...base, KEY_ENCRYPTION_KEY: bad })).toThrow(/KEY_ENCRYPTION_KEY must be 32 bytes/);
      try {
        loadConfig({ ...base, KEY_ENCRYPTION_KEY: bad });
      } catch (error) {
        expect(String(error)).not.toContain(bad);
      }
    }
  });
});
