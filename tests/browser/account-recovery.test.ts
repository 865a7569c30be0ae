import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PASSWORD, uniqueUsername } from '../helpers/accounts.js';
import { browserAvailable, demoStatus, launchBrowser, registerOnDemoPage } from '../helpers/browser.js';
import {
  mailLinksIn,
  startTestServerWithMailLinks,
  uniqueEmail,
  waitForMailLink,
  type MailLink,
} from '../helpers/dev-outbox.js';
import { testDriver } from '../helpers/test-database.js';
import type { TestServer } from '../helpers/test-server.js';

const NEW_PASSWORD = 'a brand new passphrase';

const notice = (page: Page) => page.locator('#notice').textContent();
const alert = (page: Page) => page.getByRole('alert').textContent();
const emailStatus = (page: Page) => page.locator('#email-status').textContent();

/** Registers with an address through the demo page's form; the page shows the new user logged in. */
async function registerWithEmail(page: Page, username: string, email: string) {
  await page.locator('#register-email').fill(email);
  await registerOnDemoPage(page, username);
}

async function logInOnDemoPage(page: Page, username: string, password: string) {
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/**
 * Opens the development outbox from the demo page's link (a new tab), as a person would, and reads the link of the
 * newest mail with `subject` to `to`, reloading until it has come (a reset mail is queued after the answer).
 */
async function linkFromOutboxPage(
  context: BrowserContext,
  page: Page,
  to: string,
  subject: string,
): Promise<{ outbox: Page; link: MailLink }> {
  const [outbox] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: 'the development outbox' }).click(),
  ]);
  await outbox.waitForLoadState();
  expect(new URL(outbox.url()).pathname).toBe('/dev/outbox');
  const mail = outbox
    .locator('article')
    .filter({ hasText: subject })
    .filter({ hasText: `To ${to}` });
  await expect
    .poll(async () => {
      if ((await mail.count()) > 0) return true;
      await outbox.reload();
      return false;
    })
    .toBe(true);
  const [link] = mailLinksIn((await mail.first().locator('pre').first().textContent()) ?? '');
  if (!link) throw new Error(`No link in the mail to ${to}`);
  return { outbox, link };
}

describe.runIf(browserAvailable() && testDriver === 'pglite')('account recovery on the /demo page', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    // On a known port: the links in its mail (APP_URL's default, this server's /demo/) open this very server.
    server = await startTestServerWithMailLinks();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('forgot password: the reset link from the development outbox sets a new password and logs in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const username = uniqueUsername('forgot');
    const email = uniqueEmail(username);
    await registerWithEmail(page, username, email);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');

    await page.locator('#forgot-email').fill(email);
    await page.getByRole('button', { name: 'Send me a reset link' }).click();
    await expect.poll(() => notice(page)).toContain(`If an account has the address ${email}, a mail`);

    const { outbox, link } = await linkFromOutboxPage(context, page, email, 'Reset your password');
    expect(link.action).toBe('reset-password');
    expect(link.href.startsWith(`${server.url}/demo/#`)).toBe(true);

    // Followed as from a mail client: a fresh load of the page, here in the outbox's tab.
    await outbox.goto(link.href);
    await expect.poll(() => outbox.locator('#reset-password-form').isVisible()).toBe(true);
    // The token left the address bar (and so the history) as soon as the page read it.
    expect(outbox.url()).toBe(`${server.url}/demo/`);
    expect(await outbox.evaluate(() => window.location.hash)).toBe('');

    await outbox.getByLabel('New password (8 characters or more)').fill(NEW_PASSWORD);
    await outbox.getByRole('button', { name: 'Set the new password' }).click();
    await expect.poll(() => demoStatus(outbox)).toBe(`Logged in as ${username}.`);
    expect(await notice(outbox)).toContain('Your password is changed.');
    expect(await outbox.locator('#reset-password-form').isVisible()).toBe(false);
    // The mail reached the address: it counts as verified.
    expect(await emailStatus(outbox)).toBe(`${email}: verified.`);
    // The first tab, on the same storage, follows the login.
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);

    // The link works once.
    await outbox.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(outbox)).toBe('Not logged in.');
    await outbox.goto(link.href);
    await outbox.getByLabel('New password (8 characters or more)').fill('yet another passphrase');
    await outbox.getByRole('button', { name: 'Set the new password' }).click();
    await expect.poll(() => alert(outbox)).toBe('This link is invalid or has expired. Ask for a new one.');
    expect(await demoStatus(outbox)).toBe('Not logged in.');
    expect(await outbox.locator('#reset-password-form').isVisible()).toBe(false);
    expect(await outbox.locator('#forgot-password-form').isVisible()).toBe(true);

    // The old password no longer logs in; the new one does.
    await logInOnDemoPage(page, username, PASSWORD);
    await expect.poll(() => alert(page)).toBe('Invalid username or password.');
    expect(await demoStatus(page)).toBe('Not logged in.');
    await logInOnDemoPage(page, username, NEW_PASSWORD);
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    await context.close();
  });

  it('the verification link from the development outbox marks the address verified on the page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const username = uniqueUsername('verify');
    const email = uniqueEmail(username);
    await registerWithEmail(page, username, email);
    expect(await notice(page)).toBe(`We sent a mail to ${email}: open its link to confirm it.`);
    expect(await emailStatus(page)).toBe(`${email}: not verified yet.`);

    // "Send again" replaces the first mail's link with a new one.
    const first = await waitForMailLink(server.url, email, 'verify-email');
    await page.getByRole('button', { name: 'Send the verification mail again' }).click();
    await expect.poll(() => notice(page)).toBe(`A new verification mail is on its way to ${email}.`);
    const link = await waitForMailLink(server.url, email, 'verify-email', { excluding: [first.token] });
    expect(link.href.startsWith(`${server.url}/demo/#`)).toBe(true);

    // Opened in the tab already showing the page: only the fragment changes.
    await page.goto(link.href);
    await expect.poll(() => emailStatus(page)).toBe(`${email}: verified.`);
    expect(await notice(page)).toBe(`The email address ${email} of ${username} is verified.`);
    expect(await page.getByRole('button', { name: 'Send the verification mail again' }).isVisible()).toBe(false);
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    // Still verified after a reload, from the server's answer.
    await page.reload();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    expect(await emailStatus(page)).toBe(`${email}: verified.`);

    // The replaced link, opened in another browser where nobody is logged in, is refused.
    const elsewhere = await browser.newPage();
    await elsewhere.goto(first.href);
    await expect.poll(() => alert(elsewhere)).toBe('This link is invalid or has expired. Ask for a new one.');
    expect(elsewhere.url()).toBe(`${server.url}/demo/`);
    await elsewhere.close();
    await context.close();
  });

  it('a verification link opened where nobody is logged in verifies the address and logs no one in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const username = uniqueUsername('device');
    const email = uniqueEmail(username);
    await registerWithEmail(page, username, email);
    const link = await waitForMailLink(server.url, email, 'verify-email');

    const phone = await browser.newPage();
    await phone.goto(link.href);
    await expect.poll(() => notice(phone)).toBe(`The email address ${email} of ${username} is verified.`);
    expect(await demoStatus(phone)).toBe('Not logged in.');
    await phone.close();

    await page.reload();
    await expect.poll(() => emailStatus(page)).toBe(`${email}: verified.`);
    await context.close();
  });

  it('change email (verified through its link), then delete the account', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const username = uniqueUsername('mover');
    const email = uniqueEmail(username);
    const newEmail = uniqueEmail(uniqueUsername('moved'));
    await registerWithEmail(page, username, email);

    await page.getByLabel('New email address').fill(newEmail);
    await page.locator('#change-email-password').fill('not the password');
    await page.getByRole('button', { name: 'Change my email address' }).click();
    await expect.poll(() => alert(page)).toBe('The password is wrong.');
    await page.locator('#change-email-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change my email address' }).click();
    await expect
      .poll(() => notice(page))
      .toBe(`We sent a mail to ${newEmail}: your address changes once you open its link.`);
    expect(await emailStatus(page)).toBe(`${email}: not verified yet.`);

    const link = await waitForMailLink(server.url, newEmail, 'verify-email');
    await page.goto(link.href);
    await expect.poll(() => emailStatus(page)).toBe(`${newEmail}: verified.`);

    await page.locator('#delete-account-password').fill('not the password');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => alert(page)).toBe('The password is wrong.');
    expect(await demoStatus(page)).toBe(`Logged in as ${username}.`);
    await page.locator('#delete-account-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    expect(await notice(page)).toBe('Your account is deleted.');

    await logInOnDemoPage(page, username, PASSWORD);
    await expect.poll(() => alert(page)).toBe('Invalid username or password.');
    await context.close();
  });
});

describe.runIf(browserAvailable() && testDriver === 'pglite')('password reset on the /demo page in cookie mode', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServerWithMailLinks({ REFRESH_TOKEN_COOKIE: 'true' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the reset logs in through the cookie: a reload stays logged in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const username = uniqueUsername('cookiereset');
    const email = uniqueEmail(username);
    await registerWithEmail(page, username, email);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');

    await page.locator('#forgot-email').fill(email);
    await page.getByRole('button', { name: 'Send me a reset link' }).click();
    const link = await waitForMailLink(server.url, email, 'reset-password');
    await page.goto(link.href);
    await page.getByLabel('New password (8 characters or more)').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);

    await page.reload();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    await context.close();
  });
});
