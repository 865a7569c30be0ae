import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { connectDatabase } from '../../server/db/connect.js';
import { createLogger } from '../../server/logger.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { PASSWORD } from '../helpers/accounts.js';
import { createPGliteDataDirectory, testDriver } from '../helpers/test-database.js';

const CHROMIUM = '/usr/bin/chromium';
// CI installs Chromium and sets REQUIRE_BROWSER=1, so there a missing browser fails instead of skipping.
const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable && process.env.REQUIRE_BROWSER)
  throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing`);

describe.runIf(browserAvailable && testDriver === 'pglite')('GraphiQL in headless Chromium', () => {
  let dataDir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-graphiql-'));
    await createPGliteDataDirectory(dataDir);
    const config = loadConfig({ PORT: '0', TESSERA_DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(32) });
    server = await startServer(config, createLogger('silent'), await connectDatabase({ kind: 'pglite', dataDir }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
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
    await page.getByRole('button', { name: /execute query/i }).click();
    await expect
      .poll(async () => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ''), { timeout: 15_000 })
      .toContain(`"username":"${username}"`);
    expect(offsite).toEqual([]);
    await context.close();
  });
});
