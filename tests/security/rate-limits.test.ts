import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { LOGIN, PASSWORD, REFRESH, REGISTER, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const loginVia = (app: TestApp, username: string, password: string) =>
  app.graphql(LOGIN, { variables: { username, password } }).then(({ body }) => body.data?.login);

/** One GraphQL request to a listening server; `from` is the client a trusted proxy (TRUSTED_PROXY=loopback) names. */
async function post(server: TestServer, query: string, variables: Record<string, unknown>, from?: string) {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** What a login over HTTP from `from` answers: `AuthPayload`, or the error's code. */
const loginFrom = (server: TestServer, from: string, username: string, password: string) =>
  post(server, LOGIN, { username, password }, from).then(({ body }) => outcome(body.data.login));

const outcome = (result: { __typename: string; code?: string }) =>
  result.__typename === 'AuthPayload' ? 'AuthPayload' : result.code;

async function registerOver(server: TestServer, username = uniqueUsername()) {
  const { body } = await post(server, REGISTER, { username, password: PASSWORD });
  expect(body.data.register.__typename).toBe('AuthPayload');
  return username;
}

describe('password guessing', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_LOGIN_FAILURES: '3/1m' });
  });
  afterAll(() => app.close());

  it('is limited per account and address: after three failures in a row, even the right password waits', async () => {
    const account = await registerUser(app);
    for (let i = 0; i < 3; i++)
      expect(await loginVia(app, account.username, `guess-${i}`)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
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

  it("success resets the pair's consecutive-failure count", async () => {
    const account = await registerUser(app);
    for (let i = 0; i < 2; i++)
      expect(await loginVia(app, account.username, `guess-${i}`)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await loginVia(app, account.username, account.password)).toMatchObject({ __typename: 'AuthPayload' });
    // Five failures in all, but never more than three in a row: none is refused.
    for (let i = 2; i < 5; i++)
      expect(await loginVia(app, account.username, `guess-${i}`)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await loginVia(app, account.username, account.password)).toMatchObject({ code: 'RATE_LIMITED' });
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
    const a = await createTestApp({ RATE_LIMIT_LOGIN_FAILURES: '3/1m' }, database, { keepDatabaseOpen: true });
    const b = await createTestApp({ RATE_LIMIT_LOGIN_FAILURES: '3/1m' }, database, { keepDatabaseOpen: true });
    try {
      const account = await registerUser(a); // register has counts of its own
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

describe('locking others out (issue #11, finding 1), over HTTP', () => {
  /** Six logins in one request: five aliases (GRAPHQL_MAX_ALIASES) and the field itself. */
  const SIX_GUESSES = `mutation($u: String!) {
    ${Array.from({ length: 5 }, (_, i) => `g${i}: login(username: $u, password: "guess-${i}") { __typename ...on Error { code } }`).join('\n')}
    login(username: $u, password: "guess-5") { __typename ...on Error { code } } }`;

  it('victim lockout: while an attacker burns the account from its own addresses (aliased logins, at full speed), the victim logs in with the right password from a clean address', async () => {
    const server = await startTestServer({
      TRUSTED_PROXY: 'loopback',
      RATE_LIMIT_LOGIN_FAILURES: '3/1m',
      RATE_LIMIT_ACCOUNT: '10/1m',
      RATE_LIMIT_ADDRESS: '20/1m',
    });
    try {
      const victim = await registerOver(server);
      const attackers = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'];
      // Ten requests of six guesses from each address, all at once.
      const attack = Promise.all(
        attackers.flatMap((from) =>
          Array.from({ length: 10 }, () =>
            post(server, SIX_GUESSES, { u: victim }, from).then(({ body }) =>
              Object.values(body.data as Record<string, { code: string }>).map((result) => result.code),
            ),
          ),
        ),
      );
      expect(await loginFrom(server, '198.51.100.7', victim, PASSWORD)).toBe('AuthPayload');
      const codes = (await attack).flat();
      expect(codes).toHaveLength(240);
      // Aliases and parallel requests bought nothing: three guesses per address, the rest refused unchecked.
      expect(codes.filter((code) => code === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(12);
      expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(228);

      // The attack is still on: the attackers' addresses wait even with the right password, and a fresh address
      // gets one guess, not three (the account's budget is spent, so it is slowed).
      expect(await loginFrom(server, attackers[0]!, victim, PASSWORD)).toBe('RATE_LIMITED');
      expect(await loginFrom(server, '203.0.113.99', victim, 'guess-x')).toBe('INVALID_CREDENTIALS');
      expect(await loginFrom(server, '203.0.113.99', victim, 'guess-y')).toBe('RATE_LIMITED');
      // The victim, from any address with no failures on the account, still gets in.
      expect(await loginFrom(server, '198.51.100.7', victim, PASSWORD)).toBe('AuthPayload');
      expect(await loginFrom(server, '198.51.100.8', victim, PASSWORD)).toBe('AuthPayload');
    } finally {
      await server.close();
    }
  });

  it("an address over its own limit spends nothing of the account's budget", async () => {
    const server = await startTestServer({
      TRUSTED_PROXY: 'loopback',
      RATE_LIMIT_ADDRESS: '3/1m',
      RATE_LIMIT_ACCOUNT: '2/1m',
      RATE_LIMIT_LOGIN_FAILURES: '5/1m',
    });
    try {
      const victim = await registerOver(server);
      const spent = '203.0.113.7';
      for (let i = 0; i < 3; i++)
        expect(await loginFrom(server, spent, uniqueUsername(), 'guess')).toBe('INVALID_CREDENTIALS');
      for (let i = 0; i < 10; i++) expect(await loginFrom(server, spent, victim, `guess-${i}`)).toBe('RATE_LIMITED');
      // Had those ten cost the account, its budget of two failures would be gone and the second guess below refused.
      const other = '203.0.113.8';
      expect(await loginFrom(server, other, victim, 'guess-a')).toBe('INVALID_CREDENTIALS');
      expect(await loginFrom(server, other, victim, 'guess-b')).toBe('INVALID_CREDENTIALS');
      // Now two failures have spent it: an address with failures waits, and the victim from a clean one gets in.
      expect(await loginFrom(server, other, victim, 'guess-c')).toBe('RATE_LIMITED');
      expect(await loginFrom(server, '198.51.100.9', victim, PASSWORD)).toBe('AuthPayload');
    } finally {
      await server.close();
    }
  });

  it('username reservation through register: attempts from one address do not keep the owner from registering that name from another', async () => {
    const server = await startTestServer({ TRUSTED_PROXY: 'loopback', RATE_LIMIT_ADDRESS: '3/1m' });
    try {
      const wanted = uniqueUsername('wanted');
      const register = (from: string, password: string) =>
        post(server, REGISTER, { username: wanted, password }, from).then(({ body }) => outcome(body.data.register));
      // Refused by validation before anything is counted: they spend nobody's budget, the name's least of all.
      const attempts: unknown[] = [];
      for (let i = 0; i < 10; i++) attempts.push(await register('203.0.113.20', 'short'));
      expect(attempts).toEqual(Array(10).fill('VALIDATION'));
      expect(await register('198.51.100.20', PASSWORD)).toBe('AuthPayload');
      // The attacker's own address is still limited, on attempts that get as far as the database.
      const afterwards: unknown[] = [];
      for (let i = 0; i < 5; i++) afterwards.push(await register('203.0.113.20', PASSWORD));
      expect(afterwards).toEqual([...Array(3).fill('USERNAME_TAKEN'), ...Array(2).fill('RATE_LIMITED')]);
    } finally {
      await server.close();
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
    post(server, LOGIN, { username: uniqueUsername(), password: PASSWORD }, forwardedFor).then(
      ({ body }) => body.data.login.code,
    );

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
        post(server, REFRESH, { refreshToken: 'A'.repeat(43) }).then(({ body }) => body.data.refreshToken.code);
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

describe('IPv6 address rotation (issue #11, finding 3)', () => {
  /** Forty addresses of 2001:db8:5:6::/64, and one of the next /64. */
  const rotation = Array.from(
    { length: 40 },
    (_, i) => `2001:db8:5:6:${(i * 0x401).toString(16)}::${(i + 1).toString(16)}`,
  );
  const elsewhere = '2001:db8:5:7::1';

  it('IPv6 rotation: 40 addresses from one /64 share one budget (login, refreshToken); one from another /64 does not', async () => {
    const server = await startTestServer({ TRUSTED_PROXY: 'loopback', RATE_LIMIT_ADDRESS: '3/1m' });
    try {
      const logins = [];
      for (const from of rotation) logins.push(await loginFrom(server, from, uniqueUsername(), PASSWORD));
      expect(logins).toEqual([...Array(3).fill('INVALID_CREDENTIALS'), ...Array(37).fill('RATE_LIMITED')]);
      expect(await loginFrom(server, elsewhere, uniqueUsername(), PASSWORD)).toBe('INVALID_CREDENTIALS');

      const refresh = (from: string) =>
        post(server, REFRESH, { refreshToken: 'A'.repeat(43) }, from).then(({ body }) => body.data.refreshToken.code);
      const refreshes = [];
      for (const from of rotation) refreshes.push(await refresh(from));
      expect(refreshes).toEqual([...Array(3).fill('INVALID_REFRESH_TOKEN'), ...Array(37).fill('RATE_LIMITED')]);
      expect(await refresh(elsewhere)).toBe('INVALID_REFRESH_TOKEN');
    } finally {
      await server.close();
    }
  });

  it('IPv6 rotation: 40 addresses from one /64 share one request-flood budget (HTTP 429)', async () => {
    const server = await startTestServer({ TRUSTED_PROXY: 'loopback', RATE_LIMIT_REQUESTS: '5/1m' });
    try {
      const status = (from: string) =>
        fetch(server.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
          body: '{"query":"{ __typename }"}',
        }).then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        });
      const statuses = [];
      for (const from of rotation) statuses.push(await status(from));
      expect(statuses).toEqual([...Array(5).fill(200), ...Array(35).fill(429)]);
      expect(await status(elsewhere)).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('the network size is RATE_LIMIT_IPV6_PREFIX: 64 unless set, 1 to 128', () => {
    const prefix = (value?: string) =>
      loadConfig({ NODE_ENV: 'test', ...(value ? { RATE_LIMIT_IPV6_PREFIX: value } : {}) }).rateLimits.ipv6PrefixLength;
    expect(prefix()).toBe(64);
    expect(prefix('56')).toBe(56);
    expect(prefix('128')).toBe(128);
    for (const bad of ['0', '129', '64.5', 'wide']) expect(() => prefix(bad)).toThrow(/RATE_LIMIT_IPV6_PREFIX/);
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
