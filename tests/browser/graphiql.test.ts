import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PASSWORD } from '../helpers/accounts.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe.runIf(browserAvailable() && testDriver === 'pglite')('GraphiQL in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ GRAPHIQL: 'true' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders with no internet access and runs login', async () => {
    // Register the account through the API, so that the page only has to log in.
    const username = `graphiql_${Date.now()}`;
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($u: String!, $p: String!) { register(username: $u, password: $p) { __typename } }',
        variables: { u: username, p: PASSWORD },
      }),
    });
    expect((await response.json()).data.register.__typename).toBe('AuthPayload');

    const context = await browser.newContext();
    const page = await context.newPage();
    const offsite: string[] = [];
    // Any request that leaves this machine is recorded and refused: the page must not need one.
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (
        ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) ||
        url.protocol === 'data:' ||
        url.protocol === 'blob:'
      ) {
        return route.continue();
      }
      offsite.push(url.href);
      return route.abort();
    });

    const query = `mutation { login(username: "${username}", password: "${PASSWORD}") { __typename ... on AuthPayload { user { username } } } }`;
    await page.goto(`${server.url}/graphql?query=${encodeURIComponent(query)}`);
    // The editor (Monaco) loads after the page: run once it holds the query, or the click runs nothing.
    await expect
      .poll(async () => (await page.locator('.graphiql-query-editor').innerText()).replace(/\s+/g, ''), {
        timeout: 15_000,
      })
      .toContain('login(username:');
    await page.getByRole('button', { name: /execute query/i }).click();
    await expect
      .poll(async () => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ''), { timeout: 15_000 })
      .toContain(`"username":"${username}"`);
    expect(offsite).toEqual([]);
    await context.close();
  });
});
