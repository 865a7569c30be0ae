import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, ME, registerUser } from '../helpers/accounts.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ LOG_LEVEL: 'trace' });
});
afterAll(() => app.close());

describe('secrets never reach logs or error messages', () => {
  it('a whole session at trace level logs no password, token or secret', async () => {
    const password = 'a-password-that-must-not-be-logged';
    const account = await registerUser(app, { password });
    await app.graphql(ME, { token: account.accessToken });
    await app.graphql(LOGIN, { variables: { username: account.username, password: 'wrong-password-not-logged' } });
    await app.graphql(ME, { token: `${account.accessToken}tampered` });
    await app.graphql('mutation { logout }', { token: account.accessToken });
    await app.graphql(ME, { token: account.accessToken });

    const logs = app.logs.join('');
    expect(logs.length).toBeGreaterThan(0); // the app did log something at trace level
    for (const secret of [password, 'wrong-password-not-logged', account.accessToken, TEST_JWT_SECRET]) {
      expect(logs).not.toContain(secret);
    }
    // The signature part alone is enough to replay a token; it must not appear either.
    expect(logs).not.toContain(account.accessToken.split('.')[2]);
  });
});
