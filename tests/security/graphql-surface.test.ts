import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, PASSWORD, registerUser } from '../helpers/accounts.js';
import { createTestApp, type TestApp, PRODUCTION_ENV } from '../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const send = (
  target: TestApp,
  body: string,
  headers: Record<string, string> = {},
  method = 'POST',
  path = '/graphql',
) =>
  target.yoga.fetch(`http://localhost${path}`, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json', ...headers } : headers,
    body: method === 'POST' ? body : undefined,
  });

describe('GraphQL surface attacks', () => {
  it('alias flood: 100 aliased logins in one request are refused before a single password is tried', async () => {
    const account = await registerUser(app);
    const guesses = Array.from(
      { length: 100 },
      (_, i) => `g${i}: login(username: "${account.username}", password: "guess-${i}") { __typename }`,
    );
    const response = await send(app, JSON.stringify({ query: `mutation { ${guesses.join('\n')} }` }));
    const body = await response.json();
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toMatch(/aliases limit|token limit/i);
    const sessions = await app.database.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', account.id)
      .execute();
    expect(sessions).toHaveLength(1); // the registration's only
  });

  it('alias limit: six aliased logins are refused, whatever the document size', async () => {
    const guesses = Array.from(
      { length: 6 },
      (_, i) => `g${i}: login(username: "u", password: "p${i}") { __typename }`,
    );
    const { body } = await app.graphql(`mutation { ${guesses.join(' ')} }`);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(/aliases limit/i);
  });

  it('a few aliases are fine', async () => {
    const { body } = await app.graphql('{ a: __typename b: __typename }');
    expect(body).toEqual({ data: { a: 'Query', b: 'Query' } });
  });

  it('batched (array) requests are refused', async () => {
    const response = await send(app, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).not.toContain('"__typename":"Query"');
  });

  it('an over-large document (token limit) is refused', async () => {
    const { body } = await app.graphql(`{ ${'__typename '.repeat(1_200)} }`);
    expect(body.errors?.[0]?.message).toMatch(/token limit/i);
  });

  it('an over-deep or over-costly document is refused (limits are configurable)', async () => {
    const tight = await createTestApp({ GRAPHQL_MAX_DEPTH: '2', GRAPHQL_MAX_COST: '20' });
    try {
      expect((await tight.graphql('{ me { id } }')).body).toEqual({ data: { me: null } });
      const deep = await tight.graphql(LOGIN, { variables: { username: 'x', password: PASSWORD } });
      expect(deep.body.errors?.[0]?.message).toMatch(/depth limit/i);
      const costly = await tight.graphql(
        `{ ${Array.from({ length: 5 }, (_, i) => `m${i}: me { id username role }`).join(' ')} }`,
      );
      expect(costly.body.errors?.[0]?.message).toMatch(/cost limit/i);
    } finally {
      await tight.close();
    }
  });

  it('field suggestions never map the schema for a guesser', async () => {
    const { body } = await app.graphql('{ mee { id } }');
    expect(body.errors?.[0]?.message).toBeDefined();
    expect(JSON.stringify(body)).not.toMatch(/did you mean/i);
  });

  it("enum suggestions: no 'Did you mean' for a misspelled enum value", async () => {
    const production = await createTestApp({ ...PRODUCTION_ENV });
    try {
      for (const target of [app, production]) {
        const attempts = [
          // In the document (validation) and in variables (coerced as execution starts).
          target.graphql('mutation { setUserRole(role: ADMN, userId: "1") { id } }'),
          target.graphql('mutation($role: Role!) { setUserRole(role: $role, userId: "1") { id } }', {
            variables: { role: 'ADMN' },
          }),
          // Misspelled argument, type and field names.
          target.graphql('mutation { setUserRole(rol: ADMIN, userId: "1") { id } }'),
          target.graphql('mutation($role: Rol!) { setUserRole(role: $role, userId: "1") { id } }'),
          target.graphql('{ me { usernme } }'),
        ];
        for (const { body } of await Promise.all(attempts)) {
          expect(body.data ?? undefined).toBeUndefined();
          expect(body.errors?.[0]?.message).toBeDefined();
          expect(JSON.stringify(body)).not.toMatch(/did you mean|suggestion/i);
        }
      }
    } finally {
      await production.close();
    }
  });

  it('2-million-key variables object: refused by the body limit before JSON.parse', async () => {
    const keys = Array.from({ length: 2_000_000 }, (_, i) => `"k${i}":0`).join(',');
    const body = `{"query":"{ __typename }","variables":{${keys}}}`;
    const started = performance.now();
    const response = await send(app, body);
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    // The server's part; parsing this body took 2.7 s of event loop in the attack.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('variables limits: too many values or too deep are refused with 400 before execution', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, 0]));
    const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) });
    const inList = { list: Array.from({ length: 600 }, () => [0, 0]) }; // 1 + 600 + 1,200 values
    for (const variables of [tooMany, { deep: nested(11) }, inList]) {
      const response = await send(app, JSON.stringify({ query: 'mutation { logout }', variables }));
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.data).toBeUndefined();
      expect(body.errors[0].message).toMatch(/too many variable values|nest too deeply/i);
      expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    // Within the limits (1,000 values, 10 levels), the same request runs.
    const fine = { ...Object.fromEntries(Array.from({ length: 989 }, (_, i) => [`k${i}`, 0])), deep: nested(10) };
    const response = await send(app, JSON.stringify({ query: '{ __typename }', variables: fine }));
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('introspection is off in production, and configurable', async () => {
    const production = await createTestApp({ ...PRODUCTION_ENV });
    try {
      const { body } = await production.graphql('{ __schema { queryType { name } } }');
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/introspection/i);
    } finally {
      await production.close();
    }
    expect((await app.graphql('{ __schema { queryType { name } } }')).body).toEqual({
      data: { __schema: { queryType: { name: 'Query' } } },
    });
  });

  it('a mutation over GET gets 405', async () => {
    const response = await send(
      app,
      '',
      { 'x-graphql-yoga-csrf': '1' },
      'GET',
      '/graphql?query=mutation%20%7B%20logout%20%7D',
    );
    expect(response.status).toBe(405);
  });

  it('CSRF: a request a browser form could send without a preflight is refused', async () => {
    const form = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=mutation%20%7B%20logout%20%7D',
    });
    expect(form.status).toBe(403);
    const text = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(text.status).toBe(403);
    const get = await send(app, '', {}, 'GET', '/graphql?query=%7B%20__typename%20%7D');
    expect(get.status).toBe(403);
    // With the header (which no form can set), a GET query works.
    const allowed = await send(app, '', { 'x-graphql-yoga-csrf': '1' }, 'GET', '/graphql?query=%7B%20__typename%20%7D');
    expect(await allowed.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('a token in the URL query is never read', async () => {
    const account = await registerUser(app);
    for (const name of ['access_token', 'token', 'authorization']) {
      const response = await send(
        app,
        '',
        { 'x-graphql-yoga-csrf': '1' },
        'GET',
        `/graphql?query=%7B%20me%20%7B%20id%20%7D%20%7D&${name}=${account.accessToken}`,
      );
      expect(await response.json()).toEqual({ data: { me: null } });
    }
  });
});
