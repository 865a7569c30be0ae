import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PASSWORD, REGISTER, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { testDriver } from '../helpers/test-database.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const post = (body: string, headers: Record<string, string> = {}) =>
  app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

describe('GET /health', () => {
  it('answers 200 when the database answers', async () => {
    const response = await app.yoga.fetch('http://localhost/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      database: 'ok',
      revocation: 'memory',
      // On Postgres, how long ago the listener's latest heartbeat was sent (PGlite delivers in process: none).
      ...(testDriver === 'postgres' && { listenerEchoAgeMs: expect.any(Number) }),
    });
  });
});

describe('GraphiQL', () => {
  it('is served at /graphql to a browser, from the installed packages (no CDN)', async () => {
    const response = await app.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>Tessera</title>');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/);
  });

  it("serves the Tessera panel's scripts itself, and nothing outside their folder", async () => {
    const html = await (await app.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } })).text();
    const script = /src="(\/graphiql\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const response = await app.yoga.fetch(`http://localhost${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    const settings = await app.yoga.fetch('http://localhost/graphiql/settings.json');
    expect(await settings.json()).toEqual({ refreshTokenCookie: false });
    for (const path of ['/graphiql/assets/%2e%2e/%2e%2e/package.json', '/graphiql/assets/..%2f..%2fpackage.json']) {
      expect((await app.yoga.fetch(`http://localhost${path}`)).status).toBe(404);
    }
  });

  it('can be switched off', async () => {
    const off = await createTestApp({ GRAPHIQL: 'false' });
    try {
      const response = await off.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
      expect(await response.text()).not.toContain('<title>Tessera</title>');
      expect((await off.yoga.fetch('http://localhost/graphiql/settings.json')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  it('malformed JSON: 400', async () => {
    const response = await post('{"query": "mutation { register(');
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0].message).toBe('POST body sent invalid JSON.');
  });

  it('a variable of the wrong type: an error naming it, and no user created', async () => {
    const username = uniqueUsername();
    const response = await post(JSON.stringify({ query: REGISTER, variables: { username, password: 12345678 } }));
    const body = await response.json();
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toContain('$password');
    expect(
      (await app.graphql(REGISTER, { variables: { username, password: PASSWORD } })).body.data?.register,
    ).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('a missing required argument', async () => {
    const { body } = await app.graphql('mutation { login(username: "someone") { __typename } }');
    expect(body.errors?.[0]?.message).toContain('argument "password" of type "String!" is required');
  });

  it('a query that is not GraphQL', async () => {
    const { body } = await app.graphql('this is not graphql');
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED' });
  });
});

describe('unexpected errors are masked', () => {
  // Yoga adds the original message and stack to masked errors in "development"; Tessera never lets it.
  it.each(['test', 'development'])(
    'a database failure reaches the client as "Unexpected error." with no SQL or stack (NODE_ENV=%s)',
    async (nodeEnv) => {
      const broken = await createTestApp({ NODE_ENV: nodeEnv });
      const account = await registerUser(broken);
      await broken.database.db.schema.dropTable('revoked_tokens').execute();
      try {
        const { body } = await broken.graphql('mutation { logout }', { token: account.accessToken });
        expect(body.errors).toEqual([
          expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
        ]);
        expect(JSON.stringify(body)).not.toMatch(/revoked_tokens|relation|select|insert|\bat\b/i);
      } finally {
        await broken.close();
      }
    },
  );
});
