import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parsePrometheusText } from '../helpers/prometheus-text.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { PRODUCTION_ENV } from '../helpers/test-app.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('production with METRICS_PORT and no METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...PRODUCTION_ENV, METRICS_PORT: '0' });
  });
  afterAll(() => server?.close());

  it('the main port answers /metrics 404; the metrics port serves it', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(server.metricsUrl!).port).not.toBe(new URL(server.url).port);

    await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Ping { __typename }' }),
    });
    const response = await fetch(server.metricsUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parsePrometheusText(await response.text());
    expect(metrics.sum('tessera_http_requests_total', { operation: 'Ping', status: '200' })).toBe(1);
    expect(metrics.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('the metrics port serves nothing else, and only GET', async () => {
    const base = new URL(server.metricsUrl!).origin;
    expect((await fetch(`${base}/graphql`)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(404);
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(server.metricsUrl!, { method: 'POST', body: '' })).status).toBe(405);
    expect((await fetch(server.metricsUrl!, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('METRICS_PORT with METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...PRODUCTION_ENV, METRICS_PORT: '0', METRICS_TOKEN });
  });
  afterAll(() => server?.close());

  it('both ports ask for the token', async () => {
    for (const url of [server.metricsUrl!, `${server.url}/metrics`]) {
      expect((await fetch(url)).status, url).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer not-the-metrics-token' } })).status).toBe(401);
      const allowed = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(allowed.status, url).toBe(200);
      parsePrometheusText(await allowed.text());
    }
  });
});

describe('the request flood limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_REQUESTS: '3/1m', METRICS_PORT: '0' });
  });
  afterAll(() => server?.close());

  it('its refusals are counted as rate-limited `requests`', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // On the main port, /metrics would be refused as well (it is a request from the same address).
    expect((await fetch(`${server.url}/metrics`)).status).toBe(429);
    const metrics = parsePrometheusText(await (await fetch(server.metricsUrl!)).text());
    expect(metrics.sum('tessera_rate_limited_total', { action: 'requests' })).toBe(3);
    expect(metrics.sum('tessera_http_requests_total', { operation: 'anonymous', status: '429' })).toBe(2);
  });
});

it('METRICS_PORT taken: the server does not start, and says which setting to change', async () => {
  const first = await startTestServer({ METRICS_PORT: '0' });
  try {
    const port = new URL(first.metricsUrl!).port;
    await expect(startTestServer({ METRICS_PORT: port })).rejects.toThrow(/for metrics: .*Set METRICS_PORT/);
  } finally {
    await first.close();
  }
});
