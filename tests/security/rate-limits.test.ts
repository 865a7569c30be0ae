import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, PASSWORD, REFRESH, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const loginVia = (app: TestApp, username: string, password: string) =>
  app.graphql(LOGIN, { variables: { username, password } }).then(({ body }) => body.data?.login);

describe('password guessing', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_ACCOUNT: '3/1m' });
  });
  afterAll(() => app.close());

  it('is rate limited per account: the fourth attempt gets RateLimitedError, even with the right password', async () => {
    const account = await registerUser(app);
    for (let i = 0; i < 2; i++)
      expect(await loginVia(app, account.username, `guess-${i}`)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await loginVia(app, account.username, account.password)).toMatchObject({ __typename: 'AuthPayload' });
    const limited = await loginVia(app, account.username.toUpperCase(), account.password);
    expect(limited).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    const { body } = await app.graphql(
      `mutation($u: String!, $p: String!) {
      login(username: $u, password: $p) { ... on RateLimitedError { retryAfterSeconds } } }`,
      {
        variables: { u: account.username, p: account.password },
      },
    );
    expect(body.data?.login.retryAfterSeconds).toBeGreaterThan(0);
    expect(body.data?.login.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another account is not affected.
    const other = await registerUser(app);
    expect(await loginVia(app, other.username, other.password)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('counts attempts on accounts that do not exist the same way (the limit reveals nothing)', async () => {
    const ghost = uniqueUsername('ghost');
    for (let i = 0; i < 3; i++)
      expect(await loginVia(app, ghost, 'whatever-pass')).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await loginVia(app, ghost, 'whatever-pass')).toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe.runIf(testDriver === 'postgres')('on Postgres, several processes', () => {
  it('share one count', async () => {
    const database = await createTestDatabase();
    const a = await createTestApp({ RATE_LIMIT_ACCOUNT: '3/1m' }, database, { keepDatabaseOpen: true });
    const b = await createTestApp({ RATE_LIMIT_ACCOUNT: '3/1m' }, database, { keepDatabaseOpen: true });
    try {
      const account = await registerUser(a); // one attempt (register counts for its own action only)
      expect(await loginVia(a, account.username, 'guess-1')).toMatchObject({ code: 'INVALID_CREDENTIALS' });
      expect(await loginVia(b, account.username, 'guess-2')).toMatchObject({ code: 'INVALID_CREDENTIALS' });
      expect(await loginVia(a, account.username, 'guess-3')).toMatchObject({ code: 'INVALID_CREDENTIALS' });
      expect(await loginVia(b, account.username, 'guess-4')).toMatchObject({ code: 'RATE_LIMITED' });
    } finally {
      await b.close();
      await a.close();
      await database.close();
    }
  });
});

describe('per client address, over HTTP', () => {
  let direct: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    direct = await startTestServer({ RATE_LIMIT_ADDRESS: '2/1m', RATE_LIMIT_ACCOUNT: '100/1m' });
    proxied = await startTestServer({
      RATE_LIMIT_ADDRESS: '2/1m',
      RATE_LIMIT_ACCOUNT: '100/1m',
      TRUSTED_PROXY: 'loopback',
    });
  });
  afterAll(() => Promise.all([direct.close(), proxied.close()]));

  const attempt = (server: TestServer, forwardedFor?: string) =>
    fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
      body: JSON.stringify({ query: LOGIN, variables: { username: uniqueUsername(), password: PASSWORD } }),
    }).then(async (response) => ((await response.json()) as any).data.login.code);

  it('limits one address across accounts; X-Forwarded-For is ignored unless the proxy is trusted', async () => {
    expect(await attempt(direct, '203.0.113.1')).toBe('INVALID_CREDENTIALS');
    expect(await attempt(direct, '203.0.113.2')).toBe('INVALID_CREDENTIALS');
    // A spoofed header does not buy a fresh budget: the peer (127.0.0.1) is over its limit.
    expect(await attempt(direct, '203.0.113.3')).toBe('RATE_LIMITED');
  });

  it('behind a trusted proxy, each forwarded client has its own budget', async () => {
    expect(await attempt(proxied, '203.0.113.1')).toBe('INVALID_CREDENTIALS');
    expect(await attempt(proxied, '203.0.113.1')).toBe('INVALID_CREDENTIALS');
    expect(await attempt(proxied, '203.0.113.1')).toBe('RATE_LIMITED');
    expect(await attempt(proxied, '203.0.113.2')).toBe('INVALID_CREDENTIALS');
  });

  it('refreshToken is limited per address too', async () => {
    const server = await startTestServer({ RATE_LIMIT_ADDRESS: '2/1m' });
    try {
      const refresh = () =>
        fetch(server.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: REFRESH, variables: { refreshToken: 'A'.repeat(43) } }),
        }).then(async (response) => ((await response.json()) as any).data.refreshToken.code);
      expect([await refresh(), await refresh(), await refresh()]).toEqual([
        'INVALID_REFRESH_TOKEN',
        'INVALID_REFRESH_TOKEN',
        'RATE_LIMITED',
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('a request flood', () => {
  it('gets HTTP 429 with Retry-After', async () => {
    const server = await startTestServer({ RATE_LIMIT_REQUESTS: '5/1m' });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i++) {
        const response = await fetch(server.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ __typename }"}',
        });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
        await response.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
