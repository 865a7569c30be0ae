import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ME, registerUser } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ ACCESS_TOKEN_TTL: '2s' });
});
afterAll(() => app.close());

describe('ACCESS_TOKEN_TTL', () => {
  it('with 2s, a token works at once and gets 401 TOKEN_EXPIRED when 3 s old', async () => {
    const account = await registerUser(app);
    expect((await app.graphql(ME, { token: account.accessToken })).body.data?.me).toMatchObject({ id: account.id });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const { status, body } = await app.graphql(ME, { token: account.accessToken });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
    expect(body.errors?.[0]?.message).toBe('The access token has expired.');
  });
});
