import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createUserService } from '../../server/users/user.service.js';
import { testClock } from '../helpers/account-mail.js';
import { CHANGE_PASSWORD, refresh, registerUser, tokenStatus } from '../helpers/accounts.js';
import {
  CONFIRM_TOTP,
  DISABLE_TOTP,
  ENROLL_TOTP,
  loginFirstStep,
  loginWithTotp,
  MFA_ENABLED,
  mutate,
  REGENERATE_RECOVERY_CODES,
  totpCode,
  turnOnTotp,
  verifyMfa,
} from '../helpers/mfa.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { decodeClaims } from '../helpers/tokens.js';

const clock = testClock();
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({}, undefined, { clock });
});
afterAll(() => app?.close());

const mfaEnabled = async (accessToken: string) =>
  (await app.graphql(MFA_ENABLED, { token: accessToken })).body.data?.me.mfaEnabled;

const eventsOf = (userId: string) =>
  app.database.db
    .selectFrom('auth_events')
    .select(['type', 'detail'])
    .where('user_id', '=', userId)
    .orderBy('occurred_at')
    .execute();

// Issue #15, items 1 and 2: TOTP (RFC 6238) as a second factor, with recovery codes, and login in two steps.
describe('TOTP enrolment', () => {
  it('hands over the secret, an otpauth URI and a QR code, and turns on only once a code confirms it', async () => {
    const account = await registerUser(app);
    const enrollment = await mutate(app, ENROLL_TOTP, { token: account.accessToken });
    expect(enrollment.__typename).toBe('TotpEnrollment');
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(enrollment.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/tessera:${account.username}`);
    expect(uri.searchParams.get('secret')).toBe(enrollment.secret);
    expect(uri.searchParams.get('issuer')).toBe('tessera');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(enrollment.qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(await mfaEnabled(account.accessToken)).toBe(false);

    // A second start replaces the first: only the latest secret confirms.
    const again = await mutate(app, ENROLL_TOTP, { token: account.accessToken });
    expect(again.secret).not.toBe(enrollment.secret);
    const stale = await mutate(app, CONFIRM_TOTP, {
      token: account.accessToken,
      variables: { code: totpCode(enrollment.secret, clock) },
    });
    expect(stale).toMatchObject({ __typename: 'InvalidMfaCodeError', code: 'INVALID_MFA_CODE' });
    expect(await mfaEnabled(account.accessToken)).toBe(false);

    const confirmed = await mutate(app, CONFIRM_TOTP, {
      token: account.accessToken,
      variables: { code: totpCode(again.secret, clock) },
    });
    expect(confirmed.__typename).toBe('RecoveryCodes');
    expect(confirmed.codes).toHaveLength(10);
    for (const code of confirmed.codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2}$/);
    expect(new Set(confirmed.codes).size).toBe(10);
    expect(await mfaEnabled(account.accessToken)).toBe(true);

    const replacing = await mutate(app, ENROLL_TOTP, { token: account.accessToken });
    expect(replacing).toMatchObject({ __typename: 'TotpAlreadyEnabledError', code: 'TOTP_ALREADY_ENABLED' });
    expect((await eventsOf(account.id)).map((event) => event.type)).toContain('MFA_ENABLED');
  });

  it('keeps the TOTP secret sealed at rest: neither the secret nor its bytes are in the table', async () => {
    const account = await registerUser(app);
    const { secret } = await turnOnTotp(app, account, clock);
    const rows = await app.database.db
      .selectFrom('mfa_factors')
      .selectAll()
      .where('user_id', '=', account.id)
      .execute();
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(secret);
    expect(stored.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(rows[0]!.secret_sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    const codes = await app.database.db.selectFrom('mfa_recovery_codes').selectAll().execute();
    expect(codes.every((row) => /^[0-9a-f]{64}$/.test(row.code_hash))).toBe(true);
  });
});

describe('login with TOTP on', () => {
  it('the right password yields MfaRequired and no token; a valid code yields a pair whose amr says pwd and otp', async () => {
    const account = await registerUser(app);
    const { secret } = await turnOnTotp(app, account, clock);
    const { body } = await app.graphql(
      `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on MfaRequired { challenge methods } } }`,
      { variables: { u: account.username, p: account.password } },
    );
    expect(body.data?.login).toEqual({
      __typename: 'MfaRequired',
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      methods: ['TOTP', 'RECOVERY_CODE'],
    });
    expect(JSON.stringify(body)).not.toMatch(/eyJ/); // no JWT anywhere

    const pair = await verifyMfa(app, body.data!.login.challenge, totpCode(secret, clock));
    expect(pair.__typename).toBe('AuthPayload');
    const claims = decodeClaims(pair.accessToken);
    expect(claims.amr).toEqual(['pwd', 'otp']);
    expect(claims.auth_time).toBe(Math.floor(clock.now() / 1000));
    expect(await tokenStatus(app, pair.accessToken)).toBe('OK');
    const events = (await eventsOf(account.id)).map((event) => event.type);
    expect(events.slice(-2)).toEqual(['MFA_PASSED', 'LOGIN_SUCCEEDED']);

    // The refresh re-signs what the session keeps: amr and auth_time stay as the login made them.
    const refreshed = await refresh(app, pair.refreshToken);
    expect(refreshed.__typename).toBe('AuthPayload');
    expect(decodeClaims(refreshed.accessToken)).toMatchObject({ amr: ['pwd', 'otp'], auth_time: claims.auth_time });
  });

  it('a login without a second factor says amr pwd, and keeps it through a refresh', async () => {
    const account = await registerUser(app);
    expect(decodeClaims(account.accessToken)).toMatchObject({ amr: ['pwd'], auth_time: expect.any(Number) });
    const refreshed = await refresh(app, account.refreshToken);
    expect(decodeClaims(refreshed.accessToken).amr).toEqual(['pwd']);
  });

  it('TOTP code replay: a code accepted once is refused again within its window', async () => {
    const account = await registerUser(app);
    const { secret } = await turnOnTotp(app, account, clock);
    const code = totpCode(secret, clock);
    const first = await loginFirstStep(app, account.username, account.password);
    expect((await verifyMfa(app, first.challenge, code)).__typename).toBe('AuthPayload');
    const second = await loginFirstStep(app, account.username, account.password);
    expect(await verifyMfa(app, second.challenge, code)).toMatchObject({ code: 'INVALID_MFA_CODE' });
    // An earlier step's code, still inside the window, is a replay too once a later one was used.
    expect(await verifyMfa(app, second.challenge, totpCode(secret, clock, -1))).toMatchObject({
      code: 'INVALID_MFA_CODE',
    });
    // The next step's code works.
    clock.advance(30_000);
    expect((await verifyMfa(app, second.challenge, totpCode(secret, clock))).__typename).toBe('AuthPayload');
  });

  it('TOTP code replay: the code that confirmed the enrolment cannot log in', async () => {
    const account = await registerUser(app);
    const enrollment = await mutate(app, ENROLL_TOTP, { token: account.accessToken });
    const code = totpCode(enrollment.secret, clock);
    await mutate(app, CONFIRM_TOTP, { token: account.accessToken, variables: { code } });
    const first = await loginFirstStep(app, account.username, account.password);
    expect(await verifyMfa(app, first.challenge, code)).toMatchObject({ code: 'INVALID_MFA_CODE' });
  });

  it('recovery code reuse: a recovery code works once, typed in any case and with or without dashes', async () => {
    const account = await registerUser(app);
    const { recoveryCodes } = await turnOnTotp(app, account, clock);
    const typed = recoveryCodes[3]!.replace(/-/g, '').toUpperCase();
    const first = await loginFirstStep(app, account.username, account.password);
    const pair = await verifyMfa(app, first.challenge, typed);
    expect(pair.__typename).toBe('AuthPayload');
    expect(decodeClaims(pair.accessToken).amr).toEqual(['pwd', 'otp']);
    expect((await eventsOf(account.id)).at(-2)).toMatchObject({
      type: 'MFA_PASSED',
      detail: { method: 'recovery-code' },
    });

    const second = await loginFirstStep(app, account.username, account.password);
    expect(await verifyMfa(app, second.challenge, recoveryCodes[3]!)).toMatchObject({ code: 'INVALID_MFA_CODE' });
    expect((await verifyMfa(app, second.challenge, recoveryCodes[4]!)).__typename).toBe('AuthPayload');
  });

  it('MFA code brute force: the fifth wrong code kills the challenge; the right code then gets INVALID_TOKEN', async () => {
    const account = await registerUser(app);
    const { secret } = await turnOnTotp(app, account, clock);
    const right = totpCode(secret, clock);
    const wrong = right === '000000' ? '000001' : '000000';
    const { challenge } = await loginFirstStep(app, account.username, account.password);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect(await verifyMfa(app, challenge, attempt === 3 ? 'abcd-efgh-jk' : wrong)).toMatchObject({
        __typename: 'InvalidMfaCodeError',
        code: 'INVALID_MFA_CODE',
      });
    }
    expect(await verifyMfa(app, challenge, right)).toMatchObject({
      __typename: 'InvalidTokenError',
      code: 'INVALID_TOKEN',
    });
    const failures = (await eventsOf(account.id)).filter((event) => event.type === 'MFA_FAILED');
    expect(failures.map((event) => event.detail.reason)).toEqual([
      'INVALID_MFA_CODE',
      'INVALID_MFA_CODE',
      'INVALID_MFA_CODE',
      'INVALID_MFA_CODE',
      'MFA_CHALLENGE_EXHAUSTED',
    ]);
    // The right code on a new challenge still works: the dead challenge did not use it.
    const again = await loginFirstStep(app, account.username, account.password);
    expect((await verifyMfa(app, again.challenge, right)).__typename).toBe('AuthPayload');
  });

  it('challenge reuse: a challenge opens one session only', async () => {
    const account = await registerUser(app);
    const { secret, recoveryCodes } = await turnOnTotp(app, account, clock);
    const { challenge } = await loginFirstStep(app, account.username, account.password);
    expect((await verifyMfa(app, challenge, totpCode(secret, clock))).__typename).toBe('AuthPayload');
    expect(await verifyMfa(app, challenge, recoveryCodes[0]!)).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await verifyMfa(app, 'not-a-challenge', recoveryCodes[0]!)).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('an expired challenge (5 minutes on) is INVALID_TOKEN', async () => {
    const account = await registerUser(app);
    const { secret } = await turnOnTotp(app, account, clock);
    const { challenge } = await loginFirstStep(app, account.username, account.password);
    clock.advance(5 * 60_000);
    expect(await verifyMfa(app, challenge, totpCode(secret, clock))).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('MFA enumeration: a wrong password is INVALID_CREDENTIALS, as for an account without a second factor', async () => {
    const withMfa = await registerUser(app);
    await turnOnTotp(app, withMfa, clock);
    const without = await registerUser(app);
    const answers = await Promise.all(
      [withMfa, without].map((account) => loginFirstStep(app, account.username, 'a wrong passphrase entirely')),
    );
    for (const answer of answers) {
      expect(answer).toEqual({
        __typename: 'InvalidCredentialsError',
        code: 'INVALID_CREDENTIALS',
        message: 'Invalid username or password.',
      });
    }
  });

  it('a disabled account is refused at the second step too', async () => {
    const account = await registerUser(app);
    const { secret } = await turnOnTotp(app, account, clock);
    const { challenge } = await loginFirstStep(app, account.username, account.password);
    await createUserService({ db: app.database.db, revocations: app.revocations }).setDisabled(
      { id: account.id },
      true,
    );
    expect(await verifyMfa(app, challenge, totpCode(secret, clock))).toMatchObject({ code: 'ACCOUNT_DISABLED' });
  });
});

describe('turning TOTP off and new recovery codes (step-up)', () => {
  it('need a current code', async () => {
    const account = await registerUser(app);
    const { secret, recoveryCodes } = await turnOnTotp(app, account, clock);
    const { accessToken } = await loginWithTotp(app, account, secret, clock);
    const wrong = totpCode(secret, clock, -5);
    expect(await mutate(app, DISABLE_TOTP, { token: accessToken, variables: { code: wrong } })).toMatchObject({
      code: 'INVALID_MFA_CODE',
    });
    expect(
      await mutate(app, REGENERATE_RECOVERY_CODES, { token: accessToken, variables: { code: wrong } }),
    ).toMatchObject({ code: 'INVALID_MFA_CODE' });

    const regenerated = await mutate(app, REGENERATE_RECOVERY_CODES, {
      token: accessToken,
      variables: { code: totpCode(secret, clock) },
    });
    expect(regenerated.__typename).toBe('RecoveryCodes');
    expect(regenerated.codes).toHaveLength(10);
    clock.advance(30_000);
    // The old codes are gone; a new one works (here, to turn TOTP off).
    expect(
      await mutate(app, DISABLE_TOTP, { token: accessToken, variables: { code: recoveryCodes[0]! } }),
    ).toMatchObject({ code: 'INVALID_MFA_CODE' });
    const disabled = await mutate(app, DISABLE_TOTP, {
      token: accessToken,
      variables: { code: regenerated.codes[0] },
    });
    expect(disabled).toEqual({ __typename: 'User', id: account.id, mfaEnabled: false });
    // Off: the password alone logs in again.
    expect((await loginFirstStep(app, account.username, account.password)).__typename).toBe('AuthPayload');
    const types = (await eventsOf(account.id)).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['RECOVERY_CODES_REGENERATED', 'MFA_DISABLED']));
  });

  it('need a login within REAUTH_WINDOW, as changePassword and deleteAccount do', async () => {
    const account = await registerUser(app);
    const { secret } = await turnOnTotp(app, account, clock);
    const { accessToken } = await loginWithTotp(app, account, secret, clock);
    clock.advance(10 * 60_000 + 1_000);
    const code = totpCode(secret, clock);
    for (const mutation of [DISABLE_TOTP, REGENERATE_RECOVERY_CODES]) {
      expect(await mutate(app, mutation, { token: accessToken, variables: { code } })).toMatchObject({
        __typename: 'ReauthenticationRequiredError',
        code: 'REAUTHENTICATION_REQUIRED',
      });
    }
    const changed = await mutate(app, CHANGE_PASSWORD, {
      token: accessToken,
      variables: { current: account.password, next: 'another long passphrase here' },
    });
    expect(changed).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    const deleted = await mutate(
      app,
      'mutation($p: String!) { deleteAccount(password: $p) { __typename ... on Error { code } } }',
      { token: accessToken, variables: { p: account.password } },
    );
    expect(deleted).toEqual({ __typename: 'ReauthenticationRequiredError', code: 'REAUTHENTICATION_REQUIRED' });
    // After logging in again, the same kind of request goes through.
    const fresh = await loginWithTotp(app, account, secret, clock);
    expect(
      await mutate(app, DISABLE_TOTP, { token: fresh.accessToken, variables: { code: totpCode(secret, clock) } }),
    ).toMatchObject({ __typename: 'User', mfaEnabled: false });
  });

  it('a refresh does not make a login recent: auth_time stays the login time', async () => {
    const account = await registerUser(app);
    clock.advance(10 * 60_000 + 1_000);
    const refreshed = await refresh(app, account.refreshToken);
    const changed = await mutate(app, CHANGE_PASSWORD, {
      token: refreshed.accessToken,
      variables: { current: account.password, next: 'another long passphrase here' },
    });
    expect(changed).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
  });
});

describe('what never leaves the server', () => {
  it('no code, secret, challenge or recovery code in the logs or the audit trail', async () => {
    const account = await registerUser(app);
    const { secret, recoveryCodes, enrollment } = await turnOnTotp(app, account, clock);
    const { challenge } = await loginFirstStep(app, account.username, account.password);
    const code = totpCode(secret, clock);
    await verifyMfa(app, challenge, '123456');
    await verifyMfa(app, challenge, code);
    const second = await loginFirstStep(app, account.username, account.password);
    await verifyMfa(app, second.challenge, recoveryCodes[1]!);
    const logs = app.logs.join('\n');
    const trail = JSON.stringify(await app.database.db.selectFrom('auth_events').selectAll().execute());
    for (const secretValue of [secret, code, challenge, second.challenge, recoveryCodes[1]!, enrollment.uri]) {
      expect(logs).not.toContain(secretValue);
      expect(trail).not.toContain(secretValue);
    }
    expect(logs).not.toContain(recoveryCodes[1]!.replace(/-/g, ''));
  });
});
