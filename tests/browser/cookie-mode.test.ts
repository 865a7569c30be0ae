import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REFRESH_TOKEN_COOKIE_NAME } from '../../server/http/refresh-token-cookie.js';
import { uniqueUsername } from '../helpers/accounts.js';
import { browserAvailable, demoStatus, launchBrowser, registerOnDemoPage } from '../helpers/browser.js';
import { testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Every GraphQL exchange a page had: the operation, the refresh tokens its `Set-Cookie` carried, and its body. */
interface Exchange {
  operation: string;
  setCookieTokens: string[];
  body: string;
}

function recordExchanges(context: BrowserContext): Promise<Exchange>[] {
  const exchanges: Promise<Exchange>[] = [];
  context.on('response', (response) => {
    if (!response.url().endsWith('/graphql')) return;
    exchanges.push(
      (async () => {
        const setCookie = (await response.headerValue('set-cookie')) ?? '';
        const setCookieTokens = [...setCookie.matchAll(new RegExp(`${REFRESH_TOKEN_COOKIE_NAME}=([^;\\s]+)`, 'g'))].map(
          (match) => decodeURIComponent(match[1]!),
        );
        const operation = JSON.parse(response.request().postData() ?? '{}').operationName ?? '?';
        return { operation, setCookieTokens, body: await response.text() };
      })(),
    );
  });
  return exchanges;
}

/** Everything a script in the page can read: document.cookie, both Web Storages and IndexedDB's database names. */
function readableByPage(page: Page) {
  return page.evaluate(async () => ({
    documentCookie: document.cookie,
    localStorage: JSON.stringify({ ...localStorage }),
    sessionStorage: JSON.stringify({ ...sessionStorage }),
    indexedDb: JSON.stringify(await indexedDB.databases()),
  }));
}

describe.runIf(browserAvailable() && testDriver === 'pglite')('cookie mode in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    // A 3 s access token, so that the client also refreshes silently through the cookie during the test.
    server = await startTestServer({ REFRESH_TOKEN_COOKIE: 'true', ACCESS_TOKEN_TTL: '3s' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refresh token read by a script in the page: no response body and no page-readable storage ever holds it', async () => {
    const context = await browser.newContext();
    const exchanges = recordExchanges(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');

    const username = uniqueUsername('cookie');
    await registerOnDemoPage(page, username);

    const [cookie] = (await context.cookies()).filter((c) => c.name === REFRESH_TOKEN_COOKIE_NAME);
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    const seen = [await readableByPage(page)];

    // A reload leaves no token in the page: the session comes back through the cookie.
    await page.reload();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    seen.push(await readableByPage(page));

    // Past the access token's lifetime: the client refreshes through the cookie before asking.
    await page.waitForTimeout(3_500);
    await page.getByRole('button', { name: 'Show my profile' }).click();
    await expect.poll(() => page.locator('#profile').textContent()).toContain(`"username": "${username}"`);
    seen.push(await readableByPage(page));

    const recorded = await Promise.all(exchanges);
    const tokens = new Set(recorded.flatMap((exchange) => exchange.setCookieTokens));
    const operations = recorded.map((exchange) => exchange.operation);
    expect(operations.filter((operation) => operation === 'RefreshToken').length).toBeGreaterThanOrEqual(2);
    expect(tokens.size).toBeGreaterThanOrEqual(3); // registered, restored after the reload, refreshed after expiry
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      for (const exchange of recorded) expect(exchange.body).not.toContain(token);
      for (const readable of seen) expect(JSON.stringify(readable)).not.toContain(token);
    }
    for (const readable of seen) expect(readable.documentCookie).not.toContain(REFRESH_TOKEN_COOKIE_NAME);

    // Logout clears the cookie: a reload finds no session.
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    expect((await context.cookies()).filter((c) => c.name === REFRESH_TOKEN_COOKIE_NAME)).toEqual([]);
    await page.reload();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    await context.close();
  });

  it('a page load with no session sends no refresh request', async () => {
    const context = await browser.newContext();
    const exchanges = recordExchanges(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    await page.reload();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    expect((await Promise.all(exchanges)).map((exchange) => exchange.operation)).toEqual([]);
    await context.close();
  });

  it('a login in one tab shows in the other, which restores the session through the cookie', async () => {
    const context = await browser.newContext();
    const [first, second] = [await context.newPage(), await context.newPage()];
    await first.goto(`${server.url}/demo/`);
    await second.goto(`${server.url}/demo/`);
    await expect.poll(() => demoStatus(second)).toBe('Not logged in.');

    const alice = uniqueUsername('alice');
    await registerOnDemoPage(first, alice);
    await expect.poll(() => demoStatus(second)).toBe(`Logged in as ${alice}.`);

    // Someone else logs in in the second tab: the cookie is theirs now, and the first tab follows.
    await second.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(first)).toBe('Not logged in.');
    const bob = uniqueUsername('bob');
    await registerOnDemoPage(second, bob);
    await expect.poll(() => demoStatus(first)).toBe(`Logged in as ${bob}.`);
    await context.close();
  });

  it('a restore the network failed is tried again by User.ready(), and logout still ends the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const username = uniqueUsername('offline');
    await registerOnDemoPage(page, username);

    let aborted = 0;
    await context.route('**/graphql', async (route) => {
      const refresh = JSON.parse(route.request().postData() ?? '{}').operationName === 'RefreshToken';
      if (refresh && aborted === 0) {
        aborted++;
        return route.abort('internetdisconnected');
      }
      return route.continue();
    });
    await page.reload();
    await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
    expect(aborted).toBe(1);

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(page)).toBe('Not logged in.');
    expect((await context.cookies()).filter((c) => c.name === REFRESH_TOKEN_COOKIE_NAME)).toEqual([]);
    await context.close();
  });

  it('a logout in one tab logs the other tab out, though neither holds the refresh token', async () => {
    const context = await browser.newContext();
    const [first, second] = [await context.newPage(), await context.newPage()];
    await first.goto(`${server.url}/demo/`);
    const username = uniqueUsername('cookietabs');
    await registerOnDemoPage(first, username);

    await second.goto(`${server.url}/demo/`);
    await expect.poll(() => demoStatus(second)).toBe(`Logged in as ${username}.`);

    await first.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => demoStatus(first)).toBe('Not logged in.');
    await expect.poll(() => demoStatus(second)).toBe('Not logged in.');
    await context.close();
  });
});
