import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createUserService } from '../../server/users/user.service.js';
import { PASSWORD, uniqueUsername } from '../helpers/accounts.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// tests/fixtures/react-app: a React page on its own origin, using `tessera/react`. Its `Identity` component shows
// `useQuery({ me })` and is told nothing of logins: only the provider can make it ask again.
const APP_CONFIG = fileURLToPath(new URL('../fixtures/react-app/vite.config.ts', import.meta.url));

describe.runIf(browserAvailable() && testDriver === 'pglite')('tessera/react in headless Chromium', () => {
  let dir: string;
  let server: TestServer;
  let site: Server;
  let appUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-react-'));
    await build({ configFile: APP_CONFIG, build: { outDir: dir, emptyOutDir: true } });
    [server, site, browser] = await Promise.all([startTestServer(), serveFiles(dir), launchBrowser()]);
    const { port } = site.address() as AddressInfo;
    appUrl = `http://127.0.0.1:${port}/?api=${encodeURIComponent(server.graphqlUrl)}`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** React's warnings and uncaught errors of each page, which must stay empty (a 401 the client handles is no error). */
  const problems = new Map<Page, string[]>();
  async function openApp(page: Page): Promise<Page> {
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('pageerror', (error) => seen.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        seen.push(message.text());
    });
    await page.goto(appUrl);
    return page;
  }
  afterEach(() => {
    for (const seen of problems.values()) expect(seen).toEqual([]);
    problems.clear();
  });

  const identity = (page: Page) => page.locator('#identity').textContent();
  const viewer = (page: Page) => page.locator('#viewer').textContent();

  async function submit(page: Page, button: 'Register' | 'Log in', username: string) {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: button }).click();
  }

  /** Marks the document, so that a later `stillSameDocument` proves no reload happened in between. */
  const markDocument = (page: Page) => page.evaluate(() => Object.assign(window, { marked: true }));
  const stillSameDocument = (page: Page) => page.evaluate(() => 'marked' in window);

  it('login shows the user, logout shows nobody, another login shows that user: no reload, no wiring', async () => {
    const page = await openApp(await browser.newPage());
    await expect.poll(() => identity(page)).toBe('Nobody');
    await expect.poll(() => viewer(page)).toBe('Viewer: none');
    await markDocument(page);

    const [alice, bob] = [uniqueUsername('alice'), uniqueUsername('bob')];
    await submit(page, 'Register', alice);
    await expect.poll(() => identity(page)).toBe(`Signed in as ${alice} (USER)`);
    expect(await viewer(page)).toBe(`Viewer: ${alice}`);

    // A switch with no logout between: nothing of alice's may stay.
    await submit(page, 'Register', bob);
    await expect.poll(() => identity(page)).toBe(`Signed in as ${bob} (USER)`);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => identity(page)).toBe('Nobody');
    expect(await viewer(page)).toBe('Viewer: none');

    await submit(page, 'Log in', alice);
    await expect.poll(() => identity(page)).toBe(`Signed in as ${alice} (USER)`);
    expect(await stillSameDocument(page)).toBe(true);
    await page.close();
  });

  it('a refresh that brings a new role makes the queries run again', async () => {
    const page = await openApp(await browser.newPage());
    const carol = uniqueUsername('carol');
    await submit(page, 'Register', carol);
    await expect.poll(() => identity(page)).toBe(`Signed in as ${carol} (USER)`);

    await createUserService({ db: server.database.db, revocations: server.revocations }).setRole(
      { username: carol },
      'ADMIN',
    );
    // Another call meets TOKEN_STALE and refreshes; the query of `Identity` was not part of it.
    await page.getByRole('button', { name: 'Count sessions' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('1 sessions');
    await expect.poll(() => identity(page)).toBe(`Signed in as ${carol} (ADMIN)`);
    await page.close();
  });

  it('a login and a logout in another tab show here', async () => {
    const context = await browser.newContext();
    const first = await openApp(await context.newPage());
    const second = await openApp(await context.newPage());
    await expect.poll(() => identity(second)).toBe('Nobody');
    // Playwright acts slowly on a page in the background (its frames are throttled); the other tab may stay there.
    await first.bringToFront();

    const dave = uniqueUsername('dave');
    await submit(first, 'Register', dave);
    await expect.poll(() => identity(second)).toBe(`Signed in as ${dave} (USER)`);

    await first.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => identity(second)).toBe('Nobody');
    expect(await viewer(second)).toBe('Viewer: none');
    await context.close();
  });
});

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** The built app on a port of its own: another origin than the API, as a front end usually is. */
async function serveFiles(root: string): Promise<Server> {
  const site = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = join(root, normalize(path === '/' ? '/index.html' : path));
    readFile(file).then(
      (body) => response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'text/plain' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  return site;
}
