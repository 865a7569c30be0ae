import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, ME, PASSWORD, REFRESH, loginPair, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { parsePrometheusText, type Scrape } from '../helpers/prometheus-text.js';
import { createTestApp, type TestApp, PRODUCTION_ENV } from '../helpers/test-app.js';
import { decodeClaims, signWithServerKey } from '../helpers/tokens.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

async function scrape(app: TestApp, headers: Record<string, string> = {}): Promise<Scrape> {
  const response = await app.yoga.fetch('http://localhost/metrics', { headers });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(text);
}

/** How much each named number moved while `work` ran. */
async function moved(app: TestApp, work: () => Promise<unknown>, read: (scrape: Scrape) => Record<string, number>) {
  const before = read(await scrape(app));
  await work();
  const after = read(await scrape(app));
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
}

describe('GET /metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_LOGIN_FAILURES: '3/15m', REFRESH_REUSE_GRACE: '0' });
  });
  afterAll(() => app.close());

  it('is Prometheus text with every family the operators were promised', async () => {
    await registerUser(app);
    const metrics = await scrape(app);
    const families: Record<string, string> = {
      tessera_http_requests_total: 'counter',
      tessera_http_request_duration_seconds: 'histogram',
      tessera_auth_failures_total: 'counter',
      tessera_logins_total: 'counter',
      tessera_token_refreshes_total: 'counter',
      tessera_refresh_token_reuse_total: 'counter',
      tessera_revocations_total: 'counter',
      tessera_rate_limited_total: 'counter',
      tessera_auth_events_total: 'counter',
      tessera_revocation_state_entries: 'gauge',
      tessera_revocation_listener_connected: 'gauge',
      tessera_revocation_check_mode: 'gauge',
      tessera_revocation_database_fallback_checks_total: 'counter',
      tessera_password_hashing_queue_depth: 'gauge',
      tessera_password_hashing_active: 'gauge',
      tessera_mail_outbox_pending: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
      process_resident_memory_bytes: 'gauge',
    };
    for (const [name, type] of Object.entries(families)) expect(metrics.types.get(name), name).toBe(type);
    expect(metrics.sum('tessera_revocation_listener_connected')).toBe(1);
    expect(metrics.sum('tessera_revocation_check_mode', { mode: 'memory' })).toBe(1);
    expect(metrics.sum('tessera_mail_outbox_pending')).toBe(0);
    expect(metrics.sum('tessera_auth_events_total', { type: 'REGISTERED' })).toBeGreaterThanOrEqual(1);
    // Every event type is there from the start.
    expect(metrics.has('tessera_auth_events_total', { type: 'MFA_FAILED' })).toBe(true);
  });

  it('counts GraphQL requests by operation name and status, and times them', async () => {
    const diff = await moved(
      app,
      async () => {
        await app.graphql('query Probe { __typename }');
        await app.graphql('query Probe { __typename }');
        await app.graphql('{ __typename }');
        await app.graphql('query Broken { nope }'); // fails validation (an error in a 200), but its name is known
        const malformed = await app.yoga.fetch('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query": ',
        });
        expect(malformed.status).toBe(400);
      },
      (metrics) => ({
        probe: metrics.sum('tessera_http_requests_total', { operation: 'Probe', status: '200' }),
        anonymous: metrics.sum('tessera_http_requests_total', { operation: 'anonymous', status: '200' }),
        broken: metrics.sum('tessera_http_requests_total', { operation: 'Broken', status: '200' }),
        malformed: metrics.sum('tessera_http_requests_total', { operation: 'anonymous', status: '400' }),
        timed: metrics.sum('tessera_http_request_duration_seconds_count', { operation: 'Probe' }),
        fast: metrics.sum('tessera_http_request_duration_seconds_bucket', { operation: 'Probe', le: '+Inf' }),
      }),
    );
    expect(diff).toEqual({ probe: 2, anonymous: 1, broken: 1, malformed: 1, timed: 2, fast: 2 });
  });

  it('counts logins by outcome, failed ones by reason, and refusals by the login rate limit', async () => {
    const account = await registerUser(app);
    const wrong = { variables: { username: account.username, password: 'not the password at all' } };
    const diff = await moved(
      app,
      async () => {
        await loginPair(app, account.username, account.password);
        for (let i = 0; i < 4; i++) await app.graphql(LOGIN, wrong); // the fourth is past RATE_LIMIT_LOGIN_FAILURES
      },
      (metrics) => ({
        succeeded: metrics.sum('tessera_logins_total', { outcome: 'success', method: 'password' }),
        invalid: metrics.sum('tessera_logins_total', { outcome: 'failure', reason: 'INVALID_CREDENTIALS' }),
        limited: metrics.sum('tessera_rate_limited_total', { action: 'login' }),
        login: metrics.sum('tessera_http_requests_total', { operation: 'Login' }),
      }),
    );
    expect(diff).toEqual({ succeeded: 1, invalid: 3, limited: 1, login: 5 });
  });

  it('counts refused access tokens by reason', async () => {
    const account = await registerUser(app);
    const claims = decodeClaims(account.accessToken);
    const header = JSON.parse(Buffer.from(account.accessToken.split('.')[0]!, 'base64url').toString());
    const expired = signWithServerKey({ ...claims, iat: claims.iat - 3600, exp: claims.iat - 1800 }, header);
    const diff = await moved(
      app,
      async () => {
        expect((await app.graphql(ME, { token: expired })).status).toBe(401);
        expect((await app.graphql(ME, { token: `${account.accessToken}x` })).status).toBe(401);
        expect((await app.graphql('mutation { logout }', { token: account.accessToken })).status).toBe(200);
        expect((await app.graphql(ME, { token: account.accessToken })).status).toBe(401);
        // A refused token does not block a login (it runs as anonymous): still counted.
        const login = await app.graphql(LOGIN, {
          token: account.accessToken,
          variables: { username: account.username, password: PASSWORD },
        });
        expect(login.body.data?.login.__typename).toBe('AuthPayload');
      },
      (metrics) => ({
        expired: metrics.sum('tessera_auth_failures_total', { reason: 'TOKEN_EXPIRED' }),
        invalid: metrics.sum('tessera_auth_failures_total', { reason: 'TOKEN_INVALID' }),
        revoked: metrics.sum('tessera_auth_failures_total', { reason: 'TOKEN_REVOKED' }),
        unauthorized: metrics.sum('tessera_http_requests_total', { operation: 'Me', status: '401' }),
        tokenRevocations: metrics.sum('tessera_revocations_total', { kind: 'token' }),
        loggedOut: metrics.sum('tessera_auth_events_total', { type: 'LOGGED_OUT' }),
      }),
    );
    expect(diff).toEqual({ expired: 1, invalid: 1, revoked: 2, unauthorized: 3, tokenRevocations: 1, loggedOut: 1 });
  });

  it('counts refreshes, refresh token reuse and the revocations it makes', async () => {
    const account = await registerUser(app);
    const diff = await moved(
      app,
      async () => {
        const first = await app.graphql(REFRESH, { variables: { refreshToken: account.refreshToken } });
        expect(first.body.data?.refreshToken.__typename).toBe('AuthPayload');
        // The rotated-out token again (no grace): reuse, and the session is revoked.
        const again = await app.graphql(REFRESH, { variables: { refreshToken: account.refreshToken } });
        expect(again.body.data?.refreshToken.__typename).not.toBe('AuthPayload');
        await app.graphql(ME, { token: account.accessToken });
      },
      (metrics) => ({
        refreshes: metrics.sum('tessera_token_refreshes_total'),
        reuse: metrics.sum('tessera_refresh_token_reuse_total'),
        sessions: metrics.sum('tessera_revocations_total', { kind: 'session' }),
        revoked: metrics.sum('tessera_auth_failures_total', { reason: 'TOKEN_REVOKED' }),
      }),
    );
    expect(diff).toEqual({ refreshes: 1, reuse: 1, sessions: 1, revoked: 1 });
    const after = await scrape(app);
    expect(after.sum('tessera_revocation_state_entries', { kind: 'sessions' })).toBeGreaterThanOrEqual(1);
  });

  it('counts logoutAll revocations and a role change by kind', async () => {
    const account = await registerUser(app);
    const diff = await moved(
      app,
      () => app.graphql('mutation { logoutAll }', { token: account.accessToken }),
      (metrics) => ({
        everywhere: metrics.sum('tessera_auth_events_total', { type: 'LOGGED_OUT_EVERYWHERE' }),
        revocations: metrics.sum('tessera_revocations_total'),
      }),
    );
    expect(diff.everywhere).toBe(1);
    expect(diff.revocations).toBeGreaterThanOrEqual(1);
  });
});

describe('operation names', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('keeps operation names to a bounded set: past the first 100, others count as "other"', async () => {
    for (let i = 0; i < 110; i++) await app.graphql(`query Invented${i} { __typename }`);
    await app.graphql('{ __typename }');
    const metrics = await scrape(app);
    const names = new Set(metrics.samples.map((sample) => sample.labels.operation).filter(Boolean));
    expect(names.size).toBe(102); // 100 names, anonymous, other
    expect(metrics.sum('tessera_http_requests_total', { operation: 'Invented99' })).toBe(1);
    expect(metrics.has('tessera_http_requests_total', { operation: 'Invented100' })).toBe(false);
    expect(metrics.sum('tessera_http_requests_total', { operation: 'other' })).toBe(10);
  });
});

describe('METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ METRICS_TOKEN });
  });
  afterAll(() => app.close());

  it('401 without the token or with a wrong one, 200 with it', async () => {
    const get = (headers: Record<string, string> = {}) => app.yoga.fetch('http://localhost/metrics', { headers });
    const missing = await get();
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await missing.text()).not.toContain('tessera_');
    expect((await get({ authorization: 'Bearer wrong-token-0123456789abcdef' })).status).toBe(401);
    expect((await get({ authorization: `Bearer ${METRICS_TOKEN}x` })).status).toBe(401);
    expect((await get({ authorization: METRICS_TOKEN })).status).toBe(401);
    expect((await get({ authorization: `Basic ${METRICS_TOKEN}` })).status).toBe(401);
    const allowed = await get({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(allowed.status).toBe(200);
    expect(parsePrometheusText(await allowed.text()).types.get('tessera_logins_total')).toBe('counter');
  });

  it('never shows the token in the logs', async () => {
    await app.yoga.fetch('http://localhost/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    await app.yoga.fetch('http://localhost/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}-no` } });
    expect(app.logs.join('')).not.toContain(METRICS_TOKEN);
  });

  it('is refused when too short, and the message does not echo it', async () => {
    await expect(createTestApp({ METRICS_TOKEN: 'short-secret' })).rejects.toThrow(/METRICS_TOKEN must be at least/);
    await expect(createTestApp({ METRICS_TOKEN: 'short-secret' })).rejects.not.toThrow(/short-secret/);
  });
});

describe('in production without METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ ...PRODUCTION_ENV });
  });
  afterAll(() => app.close());

  it('the main port answers /metrics 404', async () => {
    const response = await app.yoga.fetch('http://localhost/metrics');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('tessera_');
  });
});

describe('in production with METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ ...PRODUCTION_ENV, METRICS_TOKEN });
  });
  afterAll(() => app.close());

  it('the main port serves /metrics to the token only', async () => {
    expect((await app.yoga.fetch('http://localhost/metrics')).status).toBe(401);
    await scrape(app, { authorization: `Bearer ${METRICS_TOKEN}` });
  });
});

it('a username of the login metric is never a label', async () => {
  const app = await createTestApp();
  try {
    const username = uniqueUsername('secretname');
    await app.graphql(LOGIN, { variables: { username, password: 'whatever password 123' } });
    const text = await (await app.yoga.fetch('http://localhost/metrics')).text();
    expect(text).not.toContain(username);
    expect(text).not.toContain('whatever password 123');
  } finally {
    await app.close();
  }
});
