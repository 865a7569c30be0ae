import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadJwtKey } from '../../server/auth/jwt-secret.js';
import { ConfigError } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('a generated JWT secret', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-secret-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));
  const load = () => loadJwtKey({ jwtSecret: undefined, dataDir }, createLogger('silent'));

  it('is generated once, then reused', async () => {
    const first = await load();
    const second = await load();
    expect(first.export().equals(second.export())).toBe(true);
    expect(first.export().length).toBeGreaterThanOrEqual(32);
  });

  it('empty or short secret file: start-up is refused rather than signing with a weak key', async () => {
    for (const content of ['', '   \n', 'short']) {
      await writeFile(join(dataDir, 'jwt-secret'), content);
      await expect(load()).rejects.toThrow(ConfigError);
      await expect(load()).rejects.toThrow(/holds no usable secret/);
    }
  });
});

describe('the demo page', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ NODE_ENV: 'development' });
  });
  afterAll(() => app.close());

  it('demo page path attacks: traversal and malformed escapes get 404, never a stack trace', async () => {
    for (const path of [
      '/demo/%E0%A4%A',
      '/demo/..%2f..%2fpackage.json',
      '/demo/%2e%2e/%2e%2e/README.md',
      '/demo/..%5c..%5cpackage.json',
    ]) {
      const response = await app.yoga.fetch(`http://localhost${path}`);
      expect(response.status).toBe(404);
      const text = await response.text();
      expect(text).not.toMatch(/\bat \w|node_modules|"name": "tessera"|# Tessera/);
    }
  });

  it('framing: GraphiQL and the demo page forbid framing and sniffing', async () => {
    const graphiql = await app.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(graphiql.headers.get('content-type')).toMatch(/^text\/html/);
    const demo = await app.yoga.fetch('http://localhost/demo/');
    const api = await app.graphql('{ __typename }');
    for (const { headers } of [graphiql, demo, api]) {
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('content-security-policy')).toMatch(/(^|;)\s*frame-ancestors 'none'/);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
