import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../../server/config.js';
import {
  CHANGE_PASSWORD,
  LOGIN,
  ME,
  PASSWORD,
  REFRESH,
  REGISTER,
  tokenStatus,
  uniqueUsername,
} from '../helpers/accounts.js';
import { cookieHeader, refreshCookieOf, type SetCookie } from '../helpers/refresh-cookie.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Cookie mode (REFRESH_TOKEN_COOKIE=true): the refresh token travels only in an HttpOnly `__Host-` cookie, so that
// an XSS in the page cannot read it, and only pages of allowed origins can have it traded for an access token.

const isCleared = (cookie: SetCookie | undefined) =>
  cookie !== undefined &&
  cookie.value === '' &&
  cookie.attributes.some((a) => a.startsWith('Expires=Thu, 01 Jan 1970'));

describe('cookie mode', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ REFRESH_TOKEN_COOKIE: 'true', REFRESH_REUSE_GRACE: '0' });
  });
  afterAll(() => app.close());

  async function registered() {
    const username = uniqueUsername('cookie');
    const response = await app.graphql(REGISTER, { variables: { username, password: PASSWORD } });
    return { username, response, cookie: refreshCookieOf(response)! };
  }

  it('refresh token stolen by a script in the page: it is never in a body, only in an HttpOnly __Host- cookie', async () => {
    const { username, response, cookie } = await registered();
    expect(response.body.data?.register).toMatchObject({ __typename: 'AuthPayload', refreshToken: null });
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(cookie.attributes).toEqual(expect.arrayContaining(['Path=/', 'Secure', 'SameSite=Strict', 'HttpOnly']));
    expect(cookie.attributes.some((a) => a.startsWith('Domain='))).toBe(false);
    expect(JSON.stringify(response.body)).not.toContain(cookie.value);

    const loggedIn = await app.graphql(LOGIN, { variables: { username, password: PASSWORD } });
    const loginCookie = refreshCookieOf(loggedIn)!;
    expect(loggedIn.body.data?.login.refreshToken).toBeNull();
    expect(JSON.stringify(loggedIn.body)).not.toContain(loginCookie.value);

    const refreshed = await app.graphql(REFRESH, { headers: cookieHeader(loginCookie.value) });
    const nextCookie = refreshCookieOf(refreshed)!;
    expect(refreshed.body.data?.refreshToken).toMatchObject({ __typename: 'AuthPayload', refreshToken: null });
    expect(nextCookie.value).not.toBe(loginCookie.value);
    expect(JSON.stringify(refreshed.body)).not.toMatch(new RegExp(`${loginCookie.value}|${nextCookie.value}`));

    const changed = await app.graphql(CHANGE_PASSWORD, {
      token: refreshed.body.data?.refreshToken.accessToken,
      variables: { current: PASSWORD, next: `${PASSWORD} again` },
    });
    expect(changed.body.data?.changePassword).toMatchObject({ __typename: 'AuthPayload', refreshToken: null });
    expect(JSON.stringify(changed.body)).not.toContain(refreshCookieOf(changed)!.value);
  });

  it('refreshToken without an argument trades the cookie for a new pair, and rotates the cookie', async () => {
    const { response, cookie } = await registered();
    const userId = response.body.data?.register.user.id;
    const refreshed = await app.graphql(REFRESH, { headers: cookieHeader(cookie.value) });
    const payload = refreshed.body.data?.refreshToken;
    expect(payload).toMatchObject({ __typename: 'AuthPayload', user: { id: userId } });
    expect((await app.graphql(ME, { token: payload.accessToken })).body.data?.me.id).toBe(userId);
  });

  it('spent refresh cookie replayed (a stolen copy): refused, the cookie cleared, and the session ended', async () => {
    const { cookie } = await registered();
    const first = await app.graphql(REFRESH, { headers: cookieHeader(cookie.value) });
    const { accessToken } = first.body.data!.refreshToken;

    const replay = await app.graphql(REFRESH, { headers: cookieHeader(cookie.value) });
    expect(replay.body.data?.refreshToken).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    expect(isCleared(refreshCookieOf(replay))).toBe(true);
    expect(await tokenStatus(app, accessToken)).toBe('TOKEN_REVOKED');
    const successor = refreshCookieOf(first)!.value;
    const afterReuse = await app.graphql(REFRESH, { headers: cookieHeader(successor) });
    expect(afterReuse.body.data?.refreshToken).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
  });

  it('forged refresh cookie: refused as INVALID_REFRESH_TOKEN and cleared', async () => {
    const response = await app.graphql(REFRESH, { headers: cookieHeader('A'.repeat(43)) });
    expect(response.body.data?.refreshToken).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    expect(isCleared(refreshCookieOf(response))).toBe(true);
  });

  it('no cookie at all: INVALID_REFRESH_TOKEN that says none was sent, and no Set-Cookie', async () => {
    const response = await app.graphql(REFRESH);
    expect(response.body.data?.refreshToken).toEqual({
      __typename: 'InvalidRefreshTokenError',
      code: 'INVALID_REFRESH_TOKEN',
      message: 'No refresh token was sent. Log in.',
    });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('logout and logoutAll clear the cookie, and the old cookie is refused afterwards', async () => {
    for (const mutation of ['mutation { logout }', 'mutation { logoutAll }']) {
      const { response, cookie } = await registered();
      const out = await app.graphql(mutation, { token: response.body.data?.register.accessToken });
      expect(out.body.errors).toBeUndefined();
      expect(isCleared(refreshCookieOf(out))).toBe(true);
      const after = await app.graphql(REFRESH, { headers: cookieHeader(cookie.value) });
      expect(after.body.data?.refreshToken).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    }
  });

  it('logout with only the cookie (a page that holds no access token) ends that session and clears the cookie', async () => {
    const { response, cookie } = await registered();
    const { accessToken } = response.body.data!.register;
    const out = await app.graphql('mutation { logout }', { headers: cookieHeader(cookie.value) });
    expect(out.body).toEqual({ data: { logout: true } });
    expect(isCleared(refreshCookieOf(out))).toBe(true);
    expect(await tokenStatus(app, accessToken)).toBe('TOKEN_REVOKED');
    const after = await app.graphql(REFRESH, { headers: cookieHeader(cookie.value) });
    expect(after.body.data?.refreshToken).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });

    const nobody = await app.graphql('mutation { logout }');
    expect(nobody.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a refused refresh token argument leaves the browser cookie alone (it was not the cookie that failed)', async () => {
    const { cookie } = await registered();
    const refused = await app.graphql(REFRESH, {
      variables: { refreshToken: 'C'.repeat(43) },
      headers: cookieHeader(cookie.value),
    });
    expect(refused.body.data?.refreshToken).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    expect(refreshCookieOf(refused)).toBeUndefined();
  });

  it('cross-site form post (CSRF) cannot spend the cookie: refused before any resolver runs', async () => {
    const { cookie } = await registered();
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': contentType, origin: 'https://evil.example', ...cookieHeader(cookie.value) },
        body: `query=${encodeURIComponent(REFRESH)}`,
      });
      expect(response.status).toBe(403);
      expect(refreshCookieOf(response)).toBeUndefined();
    }
    // The cookie was not spent by any of them.
    const legit = await app.graphql(REFRESH, { headers: cookieHeader(cookie.value) });
    expect(legit.body.data?.refreshToken.__typename).toBe('AuthPayload');
  });

  it('another origin reading the refreshed access token (CORS): no CORS headers unless CORS_ORIGINS lists it', async () => {
    const { cookie } = await registered();
    const response = await app.graphql(REFRESH, {
      headers: { origin: 'https://evil.example', ...cookieHeader(cookie.value) },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await app.yoga.fetch('http://localhost/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('the refresh token argument still works for a client that holds the token itself', async () => {
    const { cookie } = await registered();
    const response = await app.graphql(REFRESH, { variables: { refreshToken: cookie.value } });
    expect(response.body.data?.refreshToken).toMatchObject({ __typename: 'AuthPayload', refreshToken: null });
    expect(refreshCookieOf(response)?.value).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });
});

describe('CORS_ORIGINS', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({
      REFRESH_TOKEN_COOKIE: 'true',
      CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
    });
  });
  afterAll(() => app.close());

  const preflight = (origin: string) =>
    app.yoga.fetch('http://localhost/graphql', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  it('a listed origin may send credentials; an unlisted one (or the "null" origin of a sandboxed frame) gets nothing', async () => {
    for (const origin of ['https://app.example.com', 'https://admin.example.com']) {
      const response = await preflight(origin);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example']) {
      const response = await preflight(origin);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      // Shared caches must not hand a listed origin's answer to this one, or the other way round.
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
  });
});

describe('CORS without cookie mode', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('any origin may call the API with a bearer token, but never with credentials', async () => {
    const response = await app.graphql('{ __typename }', { headers: { origin: 'https://anywhere.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe('cookie mode configuration', () => {
  const load = (env: Record<string, string>) => () =>
    loadConfig({ NODE_ENV: 'test', REFRESH_TOKEN_COOKIE: 'true', ...env });

  it('CORS_ORIGINS=* with cookie mode is refused at start: any site could trade the cookie', () => {
    expect(load({ CORS_ORIGINS: '*' })).toThrow(ConfigError);
    expect(load({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS=\* cannot be used with REFRESH_TOKEN_COOKIE=true/);
  });

  it('a malformed origin is refused, naming it', () => {
    expect(load({ CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(/not https:\/\/app.example.com\/path/);
    expect(load({ CORS_ORIGINS: 'app.example.com' })).toThrow(ConfigError);
  });

  it('defaults: same-origin only in cookie mode, any origin (without credentials) otherwise', () => {
    expect(load({})().corsOrigins).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'test' }).corsOrigins).toBe('*');
    expect(loadConfig({ NODE_ENV: 'test', CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
  });
});

describe('cookie mode over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ REFRESH_TOKEN_COOKIE: 'true', RATE_LIMIT_ADDRESS: '3/1m' });
  });
  afterAll(() => server.close());

  const post = (headers: Record<string, string> = {}) =>
    fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: REFRESH }),
    }).then(async (response) => (await response.json()).data.refreshToken.code);

  it('page loads with no session cost no rate-limit point; guessed cookies do', async () => {
    for (let i = 0; i < 6; i++) expect(await post()).toBe('INVALID_REFRESH_TOKEN');
    const guesses = [];
    for (let i = 0; i < 4; i++) guesses.push(await post(cookieHeader('B'.repeat(43))));
    expect(guesses).toEqual([
      'INVALID_REFRESH_TOKEN',
      'INVALID_REFRESH_TOKEN',
      'INVALID_REFRESH_TOKEN',
      'RATE_LIMITED',
    ]);
  });
});
