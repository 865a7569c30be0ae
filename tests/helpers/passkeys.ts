import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

import type { Account } from './accounts.js';
import { mutate } from './mfa.js';
import type { TestApp } from './test-app.js';

const ERROR_FIELDS = '... on Error { code message }';
const PAIR_FIELDS = '... on AuthPayload { accessToken refreshToken user { id username } }';

export const PASSKEY_REGISTRATION_OPTIONS = /* GraphQL */ `
  mutation PasskeyRegistrationOptions {
    passkeyRegistrationOptions {
      ... on PasskeyOptions {
        options
      }
      ... on Error {
        code
      }
    }
  }
`;

export const REGISTER_PASSKEY = /* GraphQL */ `
  mutation RegisterPasskey($response: JSONObject!, $name: String) {
    registerPasskey(response: $response, name: $name) {
      __typename
      ... on Passkey { id name synced createdAt lastUsedAt }
      ${ERROR_FIELDS}
    }
  }
`;

export const PASSKEY_LOGIN_OPTIONS = /* GraphQL */ `
  mutation PasskeyLoginOptions($challenge: String) {
    passkeyLoginOptions(challenge: $challenge) {
      __typename
      ... on PasskeyOptions { options }
      ${ERROR_FIELDS}
    }
  }
`;

export const LOGIN_WITH_PASSKEY = /* GraphQL */ `
  mutation LoginWithPasskey($response: JSONObject!, $challenge: String) {
    loginWithPasskey(response: $response, challenge: $challenge) {
      __typename
      ${PAIR_FIELDS}
      ${ERROR_FIELDS}
    }
  }
`;

export const PASSKEYS = 'query { passkeys { id name lastUsedAt } }';

export const DELETE_PASSKEY = /* GraphQL */ `
  mutation DeletePasskey($id: ID!) {
    deletePasskey(id: $id) {
      __typename
      ... on PasskeyDeletion { deleted passkeys { id } }
      ${ERROR_FIELDS}
    }
  }
`;

/** `@simplewebauthn/browser` as a script for any page: what the demo page and the typed client call. */
const SIMPLEWEBAUTHN_BROWSER = join(
  dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '../dist/bundle/index.umd.min.js',
);

/**
 * Attaches a virtual platform authenticator to the page of `cdp` (WebAuthn must be enabled on it): CTAP2, built in,
 * discoverable credentials, user verification that passes, presence simulated. Returns its id.
 */
export async function addVirtualAuthenticator(cdp: CDPSession): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

/** A credential as Chromium's virtual authenticator holds it (`WebAuthn.getCredentials`). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * A page at `http://localhost/` (a secure context, so WebAuthn works; served by the test itself) in headless
 * Chromium, with a virtual platform authenticator attached through the DevTools protocol: resident keys, user
 * verification that passes. The ceremonies run `@simplewebauthn/browser` there, as a front end would; the answers
 * go to the app under test, whose relying party is `localhost` (the URL `TestApp` sends its requests to).
 */
export class PasskeyDevice {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly cdp: CDPSession,
    public authenticatorId: string,
  ) {}

  static async open(browser: Browser, origin = 'http://localhost'): Promise<PasskeyDevice> {
    const context = await browser.newContext();
    await context.route(`${origin}/**`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>passkeys</title>' }),
    );
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.addScriptTag({ path: SIMPLEWEBAUTHN_BROWSER });
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const device = new PasskeyDevice(context, page, cdp, '');
    device.authenticatorId = await device.addAuthenticator();
    return device;
  }

  /** Another authenticator on this page (the browser then lets the user pick; here the newest answers). */
  addAuthenticator(): Promise<string> {
    return addVirtualAuthenticator(this.cdp);
  }

  async removeAuthenticator(authenticatorId: string): Promise<void> {
    await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  }

  async credentials(authenticatorId = this.authenticatorId): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send('WebAuthn.getCredentials', { authenticatorId });
    return credentials as VirtualCredential[];
  }

  async addCredential(authenticatorId: string, credential: VirtualCredential): Promise<void> {
    await this.cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
  }

  /** `startRegistration` with the server's options: the browser's answer. */
  create(optionsJSON: unknown): Promise<Record<string, unknown>> {
    return this.page.evaluate(
      (options) => (window as any).SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options }),
      optionsJSON,
    );
  }

  /** `startAuthentication` with the server's options: the browser's answer. */
  get(optionsJSON: unknown): Promise<Record<string, unknown>> {
    return this.page.evaluate(
      (options) => (window as any).SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options }),
      optionsJSON,
    );
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/** Registers a passkey on `device` for the account: the `registerPasskey` result. */
export async function addPasskey(
  app: TestApp,
  account: Pick<Account, 'accessToken'>,
  device: PasskeyDevice,
  name?: string,
) {
  const { body } = await app.graphql(PASSKEY_REGISTRATION_OPTIONS, { token: account.accessToken });
  if (!body.data) throw new Error(JSON.stringify(body));
  const response = await device.create(body.data.passkeyRegistrationOptions.options);
  return mutate(app, REGISTER_PASSKEY, { token: account.accessToken, variables: { response, name } });
}

/** The options of a passkey login (with the challenge of a second step, for it). */
export async function passkeyLoginOptions(app: TestApp, challenge?: string): Promise<any> {
  const result = await mutate(app, PASSKEY_LOGIN_OPTIONS, { variables: { challenge } });
  if (result.__typename !== 'PasskeyOptions') throw new Error(JSON.stringify(result));
  return result.options;
}

/** A whole login with the passkey the device offers (or the second step of `challenge`): the result. */
export async function loginWithPasskey(app: TestApp, device: PasskeyDevice, challenge?: string) {
  const response = await device.get(await passkeyLoginOptions(app, challenge));
  return { result: await mutate(app, LOGIN_WITH_PASSKEY, { variables: { response, challenge } }), response };
}
