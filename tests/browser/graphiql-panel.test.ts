import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REFRESH_TOKEN_COOKIE_NAME } from '../../server/http/refresh-token-cookie.js';
import { PASSWORD, uniqueUsername } from '../helpers/accounts.js';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';
import { testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { decodeClaims, signWithServerKey } from '../helpers/tokens.js';

const ME = '{ me { username } }';

/** Registers through the API; returns the new user's access token. */
async function register(server: TestServer, username: string): Promise<string> {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        'mutation($u: String!, $p: String!) { register(username: $u, password: $p) { ... on AuthPayload { accessToken } } }',
      variables: { u: username, p: PASSWORD },
    }),
  });
  const token = (await response.json()).data.register.accessToken as string | undefined;
  expect(token).toBeTypeOf('string');
  return token!;
}

/** The JSON bodies of the requests the editor ran (not GraphiQL's introspection, nor the client's refresh or `me`). */
function recordEditorResponses(page: Page): unknown[] {
  const bodies: unknown[] = [];
  page.on('response', async (response) => {
    const request = response.request();
    if (!response.url().endsWith('/graphql') || request.method() !== 'POST') return;
    const sent = JSON.parse(request.postData() ?? '{}') as { query?: string; operationName?: string | null };
    if (sent.query?.includes('__schema') || sent.operationName) return;
    // A 401 refused token is retried by the client after a refresh: the answer the editor shows comes after it.
    if (response.status() === 401) return;
    bodies.push(await response.json());
  });
  return bodies;
}

/** Opens GraphiQL with `query` (and Headers) in the editor and waits for the Tessera panel. */
async function openGraphiQL(page: Page, server: TestServer, query: string, headers?: Record<string, string>) {
  const search = new URLSearchParams({ query, ...(headers && { headers: JSON.stringify(headers) }) });
  await page.goto(`${server.url}/graphql?${search}`);
  await page.getByRole('region', { name: 'Tessera' }).waitFor();
  await editorHolds(page, query);
}

/** Waits until the query editor (Monaco, loaded after the page) holds `query`: running before would run nothing. */
async function editorHolds(page: Page, query: string) {
  const compact = (text: string) => text.replace(/\s+/g, '');
  await expect
    .poll(async () => compact(await page.locator('.graphiql-query-editor').innerText()), { timeout: 15_000 })
    .toContain(compact(query));
}

/** Runs the editor's operation; returns the response it got. */
async function run(page: Page, responses: unknown[]): Promise<unknown> {
  const before = responses.length;
  await page.getByRole('button', { name: /execute query/i }).click();
  await expect.poll(() => responses.length, { timeout: 15_000 }).toBeGreaterThan(before);
  return responses.at(-1);
}

/** What the response pane shows, without white space. */
const shownResponse = async (page: Page) => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, '');

async function logInOnPanel(page: Page, username: string) {
  const form = page.getByRole('form', { name: 'Log in' });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Log in' }).click();
  await expect.poll(() => identityRadio(page, username).isChecked()).toBe(true);
}

const identityRadio = (page: Page, username: string) => page.getByRole('radio', { name: `${username} (USER)` });

const me = (username: string | null) => ({ data: { me: username === null ? null : { username } } });

describe.runIf(browserAvailable() && testDriver === 'pglite')('the Tessera panel in GraphiQL', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    server = await startTestServer({ GRAPHIQL: 'true', ACCESS_TOKEN_TTL: '2s' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function freshPage(): Promise<{ page: Page; responses: unknown[] }> {
    await context?.close();
    context = await browser.newContext();
    const page = await context.newPage();
    return { page, responses: recordEditorResponses(page) };
  }

  async function refreshesOf(username: string): Promise<number> {
    const { db } = server.database;
    const user = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
    const rows = await db
      .selectFrom('auth_events')
      .select('id')
      .where('type', '=', 'TOKEN_REFRESHED')
      .where('user_id', '=', user.id)
      .execute();
    return rows.length;
  }

  it('logs in through the panel: `me` with empty Headers is that user, also after the access token expired', async () => {
    const username = uniqueUsername('panel');
    await register(server, username);
    const { page, responses } = await freshPage();
    await openGraphiQL(page, server, ME);
    await logInOnPanel(page, username);

    expect(await run(page, responses)).toEqual(me(username));
    await expect.poll(() => shownResponse(page)).toContain(`"username":"${username}"`);

    const refreshesBefore = await refreshesOf(username);
    await page.waitForTimeout(2_500); // past ACCESS_TOKEN_TTL=2s
    expect(await run(page, responses)).toEqual(me(username));
    expect(await refreshesOf(username)).toBe(refreshesBefore + 1);
    await expect.poll(() => shownResponse(page)).toContain(`"username":"${username}"`);
  });

  it('keeps several identities: switching one changes who the editor is', async () => {
    const [admin, user] = [uniqueUsername('first'), uniqueUsername('second')];
    await register(server, admin);
    await register(server, user);
    const { page, responses } = await freshPage();
    await openGraphiQL(page, server, ME);
    await logInOnPanel(page, admin);
    await logInOnPanel(page, user);

    expect(await run(page, responses)).toEqual(me(user));
    await identityRadio(page, admin).check();
    expect(await run(page, responses)).toEqual(me(admin));
    await identityRadio(page, user).check();
    expect(await run(page, responses)).toEqual(me(user));
  });

  it('logs out: `me` is null and the session is over on the server', async () => {
    const username = uniqueUsername('leaving');
    await register(server, username);
    const { page, responses } = await freshPage();
    await openGraphiQL(page, server, ME);
    await logInOnPanel(page, username);
    expect(await run(page, responses)).toEqual(me(username));

    await page.getByRole('button', { name: `Log out ${username}` }).click();
    await expect.poll(() => identityRadio(page, username).count()).toBe(0);
    expect(await run(page, responses)).toEqual(me(null));
    const { db } = server.database;
    const sessions = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.revoked_at', 'sessions.revoked_reason'])
      .where('users.username', '=', username)
      .execute();
    // One from the registration through the API (still live), one from the panel's login: ended by the logout.
    expect(sessions.filter((s) => s.revoked_reason === 'LOGOUT')).toHaveLength(1);
  });

  it('offers the pair of a `login` run in the editor: one click and the editor is that user', async () => {
    const username = uniqueUsername('editor');
    await register(server, username);
    const { page, responses } = await freshPage();
    const login = `mutation { login(username: "${username}", password: "${PASSWORD}") { __typename ... on AuthPayload { accessToken refreshToken user { username } } } }`;
    await openGraphiQL(page, server, login);
    await run(page, responses);
    await page.getByRole('button', { name: 'Use this login' }).click();
    await expect.poll(() => identityRadio(page, username).isChecked()).toBe(true);

    await openGraphiQL(page, server, ME);
    await expect.poll(() => identityRadio(page, username).isChecked()).toBe(true);
    expect(await run(page, responses)).toEqual(me(username));
  });

  it('lets an Authorization header typed in the Headers tab win over the panel', async () => {
    const [panelUser, typedUser] = [uniqueUsername('panel'), uniqueUsername('typed')];
    await register(server, panelUser);
    // The same token with a longer life than ACCESS_TOKEN_TTL=2s, so that it is still good when the page sends it.
    const token = await register(server, typedUser);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    const typedToken = signWithServerKey({ ...decodeClaims(token), exp: Math.floor(Date.now() / 1000) + 600 }, header);
    const { page, responses } = await freshPage();
    await openGraphiQL(page, server, ME);
    await logInOnPanel(page, panelUser);
    expect(await run(page, responses)).toEqual(me(panelUser));

    await openGraphiQL(page, server, ME, { Authorization: `Bearer ${typedToken}` });
    expect(await run(page, responses)).toEqual(me(typedUser));
  });
});

describe.runIf(browserAvailable() && testDriver === 'pglite')('the Tessera panel in cookie mode', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ GRAPHIQL: 'true', REFRESH_TOKEN_COOKIE: 'true' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('goes through the refresh cookie and puts no token in localStorage', async () => {
    const username = uniqueUsername('cookie');
    await register(server, username);
    const context = await browser.newContext();
    const page = await context.newPage();
    const responses = recordEditorResponses(page);
    await openGraphiQL(page, server, ME);
    await logInOnPanel(page, username);
    expect(await run(page, responses)).toEqual(me(username));

    // A reload holds no token: the panel restores the identity through the cookie.
    await openGraphiQL(page, server, ME);
    await expect.poll(() => identityRadio(page, username).isChecked()).toBe(true);
    expect(await run(page, responses)).toEqual(me(username));

    const cookie = (await context.cookies()).find((c) => c.name === REFRESH_TOKEN_COOKIE_NAME);
    expect(cookie?.httpOnly).toBe(true);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).not.toContain(decodeURIComponent(cookie!.value));
    expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWT
    await context.close();
  });
});
