import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { relyingPartyResolver } from '../../server/passkeys/relying-party.js';
import { testClock } from '../helpers/account-mail.js';
import { registerAdmin, registerUser, tokenStatus } from '../helpers/accounts.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { loginFirstStep, mutate, totpCode, turnOnTotp, verifyMfa } from '../helpers/mfa.js';
import {
  addPasskey,
  DELETE_PASSKEY,
  LOGIN_WITH_PASSKEY,
  loginWithPasskey,
  PasskeyDevice,
  passkeyLoginOptions,
  PASSKEYS,
} from '../helpers/passkeys.js';
import { createTestApp, PRODUCTION_ENV, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';
import { startTestServer } from '../helpers/test-server.js';
import { decodeClaims } from '../helpers/tokens.js';

/** Why the user's passkeys were refused, from the audit trail. */
const refusals = async (app: TestApp, userId: string) =>
  (
    await app.database.db
      .selectFrom('auth_events')
      .select('detail')
      .where('type', '=', 'PASSKEY_REFUSED')
      .where('user_id', '=', userId)
      .execute()
  ).map((event) => event.detail);

// Issue #15, item 3: passkeys, made and used by Chromium's virtual authenticator (the DevTools protocol's WebAuthn
// domain): real attestation and assertion signatures, no mocked WebAuthn.
describe.runIf(browserAvailable())('passkeys', () => {
  const clock = testClock();
  let app: TestApp;
  let browser: Browser;
  let device: PasskeyDevice;

  beforeAll(async () => {
    [app, browser] = await Promise.all([createTestApp({}, undefined, { clock }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  beforeEach(async () => {
    device = await PasskeyDevice.open(browser);
  });
  afterEach(() => device?.close());

  it('a registered passkey logs its user in with no username or password; the token says amr hwk', async () => {
    const user = await registerUser(app);
    const added = await addPasskey(app, user, device, 'Laptop');
    expect(added).toMatchObject({ __typename: 'Passkey', name: 'Laptop', synced: false, lastUsedAt: null });
    const { body } = await app.graphql(PASSKEYS, { token: user.accessToken });
    expect(body.data!.passkeys).toEqual([{ id: added.id, name: 'Laptop', lastUsedAt: null }]);

    // Discoverable: the options name no credential; the authenticator offers what it holds for this site.
    const options = await passkeyLoginOptions(app);
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.userVerification).toBe('required');
    const { result } = await loginWithPasskey(app, device);
    expect(result).toMatchObject({ __typename: 'AuthPayload', user: { id: user.id, username: user.username } });
    const claims = decodeClaims(result.accessToken);
    expect(claims.amr).toEqual(['hwk']);
    expect(claims.auth_time).toBe(Math.floor(clock.now() / 1000));
    expect(await tokenStatus(app, result.accessToken)).toBe('OK');
  });

  it('a passkey answer replayed is refused: its challenge was used up', async () => {
    const user = await registerUser(app);
    await addPasskey(app, user, device);
    const { result, response } = await loginWithPasskey(app, device);
    expect(result.__typename).toBe('AuthPayload');
    const replay = await mutate(app, LOGIN_WITH_PASSKEY, { variables: { response } });
    expect(replay).toMatchObject({ __typename: 'InvalidPasskeyError', code: 'INVALID_PASSKEY' });
  });

  it('a cloned authenticator is refused: the copy signs with a counter the original already passed', async () => {
    const user = await registerUser(app);
    await addPasskey(app, user, device);
    // The key is copied out of the authenticator as it is now; the original then logs in once more.
    const [copied] = await device.credentials();
    expect((await loginWithPasskey(app, device)).result.__typename).toBe('AuthPayload');

    await device.removeAuthenticator(device.authenticatorId);
    const clone = await device.addAuthenticator();
    await device.addCredential(clone, copied!);
    const { result } = await loginWithPasskey(app, device);
    expect(result).toMatchObject({ __typename: 'InvalidPasskeyError', code: 'INVALID_PASSKEY' });
    expect(result.message).toMatch(/copied authenticator/);
    expect(await refusals(app, user.id)).toContainEqual(expect.objectContaining({ reason: 'CLONED_AUTHENTICATOR' }));
  });

  it('a passkey answers the second step of a password login: amr pwd and hwk, and the challenge is spent', async () => {
    const user = await registerUser(app);
    await addPasskey(app, user, device);
    const { secret } = await turnOnTotp(app, user, clock);

    const first = await loginFirstStep(app, user.username, user.password);
    expect(first).toMatchObject({ __typename: 'MfaRequired', methods: ['TOTP', 'RECOVERY_CODE', 'PASSKEY'] });
    // Options for a second step name that user's passkeys.
    const options = await passkeyLoginOptions(app, first.challenge);
    expect(options.allowCredentials.map((credential: { id: string }) => credential.id)).toHaveLength(1);

    const { result } = await loginWithPasskey(app, device, first.challenge);
    expect(result).toMatchObject({ __typename: 'AuthPayload', user: { id: user.id } });
    expect(decodeClaims(result.accessToken).amr).toEqual(['pwd', 'hwk']);
    // Single use, as with a code.
    expect(await verifyMfa(app, first.challenge, totpCode(secret, clock))).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it("another account's passkey does not answer someone's second step", async () => {
    const victim = await registerUser(app);
    await addPasskey(app, victim, await PasskeyDevice.open(browser));
    await turnOnTotp(app, victim, clock);
    const attacker = await registerUser(app);
    await addPasskey(app, attacker, device);

    // The attacker has the victim's password, and strips the victim's credentials from the second step's options so
    // that their own authenticator signs its challenge.
    const first = await loginFirstStep(app, victim.username, victim.password);
    const options = await passkeyLoginOptions(app, first.challenge);
    const response = await device.get({ ...options, allowCredentials: [] });
    const result = await mutate(app, LOGIN_WITH_PASSKEY, { variables: { response, challenge: first.challenge } });
    expect(result).toMatchObject({ code: 'INVALID_PASSKEY' });
    expect(await refusals(app, attacker.id)).toContainEqual(expect.objectContaining({ reason: 'OTHER_USER' }));
  });

  it('a passkey alone turns on no second step for password logins', async () => {
    const user = await registerUser(app);
    await addPasskey(app, user, device);
    expect(await loginFirstStep(app, user.username, user.password)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('deleting a passkey needs a recent login; once deleted it logs no one in', async () => {
    const user = await registerUser(app);
    const passkey = await addPasskey(app, user, device);
    clock.advance(11 * 60_000); // past REAUTH_WINDOW (10m)
    expect(await mutate(app, DELETE_PASSKEY, { token: user.accessToken, variables: { id: passkey.id } })).toMatchObject(
      {
        code: 'REAUTHENTICATION_REQUIRED',
      },
    );

    const fresh = (await loginWithPasskey(app, device)).result;
    const deleted = await mutate(app, DELETE_PASSKEY, { token: fresh.accessToken, variables: { id: passkey.id } });
    expect(deleted).toEqual({ __typename: 'PasskeyDeletion', deleted: true, passkeys: [] });
    expect((await loginWithPasskey(app, device)).result).toMatchObject({ code: 'INVALID_PASSKEY' });
  });

  it("an admin's resetMfa removes the user's passkeys too", async () => {
    const admin = await registerAdmin(app);
    const user = await registerUser(app);
    await addPasskey(app, user, device);
    await app.graphql('mutation($id: ID!) { resetMfa(userId: $id) }', {
      token: admin.accessToken,
      variables: { id: user.id },
    });
    expect((await loginWithPasskey(app, device)).result).toMatchObject({ code: 'INVALID_PASSKEY' });
  });

  it('phishing: a passkey answer made on another site is refused', async () => {
    const user = await registerUser(app);
    await addPasskey(app, user, device);
    // A look-alike site relays our options to the victim's browser; the browser signs its own origin into the answer.
    const phishing = await PasskeyDevice.open(browser, 'http://tessera.localhost');
    try {
      const [credential] = await device.credentials();
      await phishing.addCredential(phishing.authenticatorId, { ...credential!, rpId: 'tessera.localhost' });
      const options = { ...(await passkeyLoginOptions(app)), rpId: 'tessera.localhost' };
      const response = await phishing.get(options);
      expect(await mutate(app, LOGIN_WITH_PASSKEY, { variables: { response } })).toMatchObject({
        code: 'INVALID_PASSKEY',
      });
      expect(await refusals(app, user.id)).toContainEqual(expect.objectContaining({ reason: 'VERIFICATION_FAILED' }));
    } finally {
      await phishing.close();
    }
  });
});

describe('WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS', () => {
  const base = { NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET };

  it('are required in production, where the site passkeys belong to is named rather than taken from requests', () => {
    const { WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS, ...withoutWebAuthn } = PRODUCTION_ENV;
    expect(() => loadConfig(withoutWebAuthn)).toThrow(/WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS are required/);
    expect(() => loadConfig({ ...withoutWebAuthn, WEBAUTHN_RP_ID })).toThrow(/required when NODE_ENV=production/);
    expect(() => loadConfig({ ...withoutWebAuthn, WEBAUTHN_ORIGINS })).toThrow(/required when NODE_ENV=production/);
    const config = loadConfig({
      ...PRODUCTION_ENV,
      WEBAUTHN_RP_ID: 'Example.com',
      WEBAUTHN_ORIGINS: 'https://example.com, https://app.example.com',
    });
    expect(config.webauthn).toEqual({
      rpId: 'example.com',
      origins: ['https://example.com', 'https://app.example.com'],
    });
    expect(relyingPartyResolver(config)('http://attacker.test/graphql')).toEqual({
      id: 'example.com',
      origins: ['https://example.com', 'https://app.example.com'],
    });
  });

  it('refuse an origin outside the relying party, and an RP id with a scheme or port', () => {
    expect(() =>
      loadConfig({ ...base, WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com.evil.test' }),
    ).toThrow(/WEBAUTHN_ORIGINS must be on WEBAUTHN_RP_ID \(example.com\) or a subdomain of it/);
    expect(() => loadConfig({ ...base, WEBAUTHN_RP_ID: 'https://example.com' })).toThrow(
      /WEBAUTHN_RP_ID must be a host name/,
    );
    expect(() => loadConfig({ ...base, WEBAUTHN_RP_ID: 'example.com:443' })).toThrow(
      /WEBAUTHN_RP_ID must be a host name/,
    );
    expect(() => loadConfig({ ...base, WEBAUTHN_ORIGINS: 'https://example.com/login' })).toThrow(
      /WEBAUTHN_ORIGINS must be origins/,
    );
  });

  it('default outside production from the URL each request came to, and APP_URL', () => {
    const relyingParty = relyingPartyResolver(loadConfig({ ...base, APP_URL: 'http://localhost:5173/app/' }));
    expect(relyingParty('http://localhost:4000/graphql')).toEqual({
      id: 'localhost',
      origins: ['http://localhost:4000', 'http://localhost:5173'],
    });
  });
});

describe('passkey options', () => {
  it('challenge flooding: anonymous passkeyLoginOptions is rate limited per address (each ask stores a challenge)', async () => {
    const server = await startTestServer({ TRUSTED_PROXY: 'loopback', RATE_LIMIT_ADDRESS: '3/1m' });
    try {
      const ask = async (from: string) => {
        const response = await fetch(server.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
          body: JSON.stringify({ query: 'mutation { passkeyLoginOptions { __typename } }' }),
        });
        return ((await response.json()) as any).data.passkeyLoginOptions.__typename;
      };
      for (let index = 0; index < 3; index++) expect(await ask('203.0.113.7')).toBe('PasskeyOptions');
      expect(await ask('203.0.113.7')).toBe('RateLimitedError');
      expect(await ask('203.0.113.8')).toBe('PasskeyOptions');
      const stored = await server.database.db.selectFrom('webauthn_challenges').select('challenge').execute();
      expect(stored).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});
