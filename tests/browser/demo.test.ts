import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { uniqueUsername } from '../helpers/accounts.js';
import { browserAvailable, demoStatus, launchBrowser, registerOnDemoPage } from '../helpers/browser.js';
import { testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe.runIf(browserAvailable() && testDriver === 'pglite')('the /demo page in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('register shows the username; a reload stays logged in; logout logs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');

    const username = uniqueUsername('demo');
    await registerOnDemoPage(page, username);

    await page.reload();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    await page.getByRole('button', { name: 'Show my profile' }).click();
    await expect.poll(() => page.locator('#profile').textContent()).toContain(`"username": "${username}"`);

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    await page.reload();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    await context.close();
  });

  it('a logout in one tab logs the other tab out', async () => {
    const context = await browser.newContext();
    const [first, second] = [await context.newPage(), await context.newPage()];
    await first.goto(`${server.url}/demo/`);
    const username = uniqueUsername('tabs');
    await registerOnDemoPage(first, username);

    await second.goto(`${server.url}/demo/`);
    await expect.poll(() => demoStatus(second)).toBe(`Logged in as ${username}.`);

    await first.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(first)).toBe('Not logged in.');
    await expect.poll(() => demoStatus(second)).toBe('Not logged in.');
    await context.close();
  });

  it('shows a refused login as an alert', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/demo/`);
    await page.locator('#login-username').fill('nobody_here');
    await page.locator('#login-password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Invalid username or password.');
    await page.close();
  });
});
