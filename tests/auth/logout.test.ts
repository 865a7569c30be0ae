import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { login, ME, registerUser } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

describe('logout', () => {
  it('revokes the token it was sent with: the same token then gets 401 TOKEN_REVOKED', async () => {
    const account = await registerUser(app);
    expect((await app.graphql('mutation { logout }', { token: account.accessToken })).body).toEqual({
      data: { logout: true },
    });
    const { status, headers, body } = await app.graphql(ME, { token: account.accessToken });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body.errors).toEqual([
      {
        message: 'The access token has been revoked.',
        extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' },
      },
    ]);
  });

  it("leaves the user's other tokens working", async () => {
    const account = await registerUser(app);
    const second = await login(app, account.username, account.password);
    await app.graphql('mutation { logout }', { token: account.accessToken });
    expect((await app.graphql(ME, { token: second })).body.data?.me).toMatchObject({ id: account.id });
  });

  it('needs a token', async () => {
    const { body } = await app.graphql('mutation { logout }');
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});
