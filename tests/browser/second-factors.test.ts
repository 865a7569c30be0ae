import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PASSWORD, uniqueUsername } from '../helpers/accounts.js';
import { browserAvailable, demoStatus, launchBrowser, registerOnDemoPage } from '../helpers/browser.js';
import { addVirtualAuthenticator } from '../helpers/passkeys.js';
import { testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { decodeClaims } from '../helpers/tokens.js';

const notice = (page: Page) => page.locator('#notice').textContent();
const alert = (page: Page) => page.getByRole('alert').textContent();

/** The code the authenticator app shows for `secret`, `steps` periods from now. */
const totpCode = (secret: string, steps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
    timestamp: Date.now() + steps * 30_000,
  });

async function logInWithPassword(page: Page, username: string) {
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

async function logOut(page: Page) {
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
}

/** The access token the page keeps (local storage, as the typed client stores it outside cookie mode). */
async function keptAccessToken(page: Page): Promise<string> {
  const stored = await page.evaluate(() =>
    Object.values(localStorage).find((value) => value.includes('"accessToken"')),
  );
  return JSON.parse(stored!).accessToken;
}

// Issue #15, items 3 and 6, from outside: a person on the demo page in headless Chromium. Passkeys are made by the
// browser's virtual authenticator (DevTools protocol: resident keys, user verification), as a laptop's would be.
describe.runIf(browserAvailable() && testDriver === 'pglite')('second factors on the demo page', () => {
  let server: TestServer;
  let browser: Browser;
  /** WebAuthn needs a secure context and a domain for its relying party: localhost, not 127.0.0.1. */
  let demoUrl: string;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    demoUrl = `${server.url.replace('127.0.0.1', 'localhost')}/demo/`;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openWithAuthenticator(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await addVirtualAuthenticator(cdp);
    await page.goto(demoUrl);
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    return { context, page };
  }

  it('registers a passkey, logs out, and logs back in with it without a username or password', async () => {
    const { context, page } = await openWithAuthenticator();
    const username = uniqueUsername('passkey');
    await registerOnDemoPage(page, username);

    await page.locator('#passkey-name').fill('This laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => notice(page)).toBe('The passkey "This laptop" is added: you can log in with it.');
    await expect.poll(() => page.getByRole('list', { name: 'My passkeys' }).textContent()).toContain('This laptop');

    await logOut(page);
    await expect(page.locator('#login-username').inputValue()).resolves.toBe('');
    await page.getByRole('button', { name: 'Log in with a passkey' }).click();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    expect(decodeClaims(await keptAccessToken(page)).amr).toEqual(['hwk']);
    await expect.poll(() => page.getByRole('list', { name: 'My passkeys' }).textContent()).toContain('last used');
    await context.close();
  });

  it('sets up an authenticator app from the QR code; logs in with a code, then with a recovery code once', async () => {
    const { context, page } = await openWithAuthenticator();
    const username = uniqueUsername('totp');
    await registerOnDemoPage(page, username);

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qrCode = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await expect.poll(() => qrCode.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    // The QR code is drawn: the browser decoded the SVG to an image of its size.
    await expect.poll(() => qrCode.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    const secret = (await page.locator('#totp-secret').textContent())!;
    await page.locator('#totp-confirm-code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(() => notice(page)).toBe('The authenticator app is on.');
    const recoveryCodes = (await page.getByLabel('Recovery codes').textContent())!.split('\n');
    expect(recoveryCodes).toHaveLength(10);

    // The password alone no longer logs in: the second step asks for a code. (The next period's code: the one that
    // confirmed the app cannot be used again.)
    await logOut(page);
    await logInWithPassword(page, username);
    await expect.poll(() => page.getByRole('heading', { name: 'Second step' }).isVisible()).toBe(true);
    expect(await demoStatus(page)).toBe('Not logged in.');
    await page.locator('#second-factor-code').fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    expect(decodeClaims(await keptAccessToken(page)).amr).toEqual(['pwd', 'otp']);

    // A recovery code works once.
    for (const attempt of ['first', 'second']) {
      await logOut(page);
      await logInWithPassword(page, username);
      await expect.poll(() => page.getByRole('heading', { name: 'Second step' }).isVisible()).toBe(true);
      await page.locator('#second-factor-code').fill(recoveryCodes[0]!);
      await page.getByRole('button', { name: 'Verify' }).click();
      if (attempt === 'first') await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
      else await expect.poll(() => alert(page)).toBe('The code is wrong or has already been used.');
    }
    expect(await demoStatus(page)).toBe('Not logged in.');
    await context.close();
  });

  it('with the app on, a passkey answers the second step of a password login', async () => {
    const { context, page } = await openWithAuthenticator();
    const username = uniqueUsername('both');
    await registerOnDemoPage(page, username);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => notice(page)).toBe('The passkey "Passkey" is added: you can log in with it.');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await expect.poll(() => page.locator('#totp-secret').textContent()).not.toBe('');
    await page.locator('#totp-confirm-code').fill(totpCode((await page.locator('#totp-secret').textContent())!));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(() => notice(page)).toBe('The authenticator app is on.');

    await logOut(page);
    await logInWithPassword(page, username);
    await page.getByRole('button', { name: 'Use a passkey instead' }).click();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    expect(decodeClaims(await keptAccessToken(page)).amr).toEqual(['pwd', 'hwk']);
    await context.close();
  });
});
