import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ME, registerUser, type Account } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
let account: Account;
beforeAll(async () => {
  app = await createTestApp();
  account = await registerUser(app);
});
afterAll(() => app.close());

const meWith = (authorization: string) => app.graphql(ME, { headers: { authorization } });

describe('the Authorization header', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'JWT', 'jwt'])('accepts the %s scheme', async (scheme) => {
    const { status, body } = await meWith(`${scheme} ${account.accessToken}`);
    expect(status).toBe(200);
    expect(body.data?.me).toMatchObject({ id: account.id, username: account.username });
  });

  it('makes an anonymous viewer when no token is sent', async () => {
    const { status, body } = await app.graphql(ME);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: null } });
  });

  it('reads an empty header, or a scheme with no token (GraphiQL before one is pasted in), as no token', async () => {
    for (const header of ['', 'Bearer', 'Bearer ']) {
      expect((await meWith(header)).body).toEqual({ data: { me: null } });
    }
  });

  it.each([
    ['another scheme', () => `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['a token with no scheme', () => account.accessToken],
    ['a token after the wrong prefix', () => `Token ${account.accessToken}`],
    ['two tokens', () => `Bearer ${account.accessToken} ${account.accessToken}`],
  ])('refuses %s with 401 TOKEN_INVALID', async (_name, header) => {
    const { status, headers, body } = await meWith(header());
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body).toEqual({
      errors: [
        { message: 'The access token is invalid.', extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' } },
      ],
    });
  });
});

describe('authorization in the schema', () => {
  it('answers a protected field asked anonymously with UNAUTHENTICATED', async () => {
    const { body } = await app.graphql('mutation { logout }');
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('answers an admin-only field asked by a user with FORBIDDEN', async () => {
    const { body } = await app.graphql('query($id: ID!) { user(id: $id) { id } }', {
      token: account.accessToken,
      variables: { id: account.id },
    });
    expect(body.data?.user).toBeNull();
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
  });
});
