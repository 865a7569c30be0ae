import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashRefreshToken } from '../../server/auth/refresh-tokens.js';
import {
  CHANGE_PASSWORD,
  LOGIN,
  PASSWORD,
  REFRESH,
  REGISTER,
  uniqueUsername,
  type TokenPair,
} from '../helpers/accounts.js';
import { waitForMailLink } from '../helpers/dev-outbox.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { listen, type ListeningApp } from './audit-http.js';

let app: TestApp;
let server: ListeningApp;
beforeAll(async () => {
  app = await createTestApp({
    TRUSTED_PROXY: 'loopback',
    RATE_LIMIT_ADDRESS: '1000000/1m',
    REFRESH_REUSE_GRACE: '0',
  });
  server = await listen(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

describe('the audit trail holds no secret', () => {
  it('no password, token or hash of one in any auth_events row after register, login, refresh, changePassword, reset', async () => {
    const client = server.as({ ip: '203.0.113.99', userAgent: 'AuditTest/secrets' });
    const secrets: string[] = [];
    const pairs: TokenPair[] = [];
    const payload = async (query: string, variables: Record<string, unknown>, token?: string) => {
      const { body } = await client.graphql(query, { variables, token });
      const result = Object.values(body.data ?? {})[0] as any;
      if (result?.__typename === 'AuthPayload')
        pairs.push({ accessToken: result.accessToken, refreshToken: result.refreshToken });
      return result;
    };

    const username = uniqueUsername('secrets');
    const email = `${username}@example.org`;
    const [first, second, third] = [`${PASSWORD} one`, `${PASSWORD} two`, `${PASSWORD} three`];
    // Typed by mistake into the wrong field, and wrong guesses: none of it may be kept.
    const typos = [`${PASSWORD} typed as a username`, `${PASSWORD} wrong guess`];
    secrets.push(first, second, third, ...typos);

    expect(await payload(REGISTER, { username, email, password: first })).toMatchObject({ __typename: 'AuthPayload' });
    expect(await payload(LOGIN, { username, password: first })).toMatchObject({ __typename: 'AuthPayload' });
    expect(await payload(LOGIN, { username: typos[0], password: first })).toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect(await payload(LOGIN, { username, password: typos[1] })).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const verification = await waitForMailLink(server.url, email, 'verify-email');
    secrets.push(verification.token);
    const verified = await payload(`mutation($t: String!) { verifyEmail(token: $t) { __typename } }`, {
      t: verification.token,
    });
    expect(verified).toMatchObject({ __typename: expect.not.stringContaining('Error') });

    const refreshed = await payload(REFRESH, { refreshToken: pairs[1]!.refreshToken });
    expect(refreshed).toMatchObject({ __typename: 'AuthPayload' });
    const changed = await payload(CHANGE_PASSWORD, { current: first, next: second }, refreshed.accessToken);
    expect(changed).toMatchObject({ __typename: 'AuthPayload' });
    // Another session, whose spent refresh token is presented again: reuse.
    const other = await payload(LOGIN, { username, password: second });
    expect(await payload(REFRESH, { refreshToken: other.refreshToken })).toMatchObject({ __typename: 'AuthPayload' });
    expect(await payload(REFRESH, { refreshToken: other.refreshToken })).toMatchObject({
      __typename: 'InvalidRefreshTokenError',
    });

    const requested = await payload(`mutation($e: String!) { requestPasswordReset(email: $e) { __typename } }`, {
      e: email,
    });
    expect(requested).toMatchObject({ __typename: 'MailQueued' });
    const link = await waitForMailLink(server.url, email, 'reset-password');
    secrets.push(link.token);
    const reset = await payload(
      `mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) { __typename ... on AuthPayload { accessToken refreshToken } } }`,
      { t: link.token, p: third },
    );
    expect(reset).toMatchObject({ __typename: 'AuthPayload' });

    const { accessToken } = pairs.at(-1)!;
    const logout = await client.graphql('mutation { logoutAll }', { token: accessToken });
    expect(logout.body.data?.logoutAll).toBeGreaterThanOrEqual(1);

    for (const pair of pairs) {
      secrets.push(pair.accessToken, pair.refreshToken, hashRefreshToken(pair.refreshToken));
      // The signature alone, too: the part of a JWT that makes it a credential.
      secrets.push(pair.accessToken.split('.')[2]!);
    }
    const user = await app.database.db
      .selectFrom('users')
      .select(['id', 'password_hash'])
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    secrets.push(user.password_hash);
    const tokenHashes = await app.database.db.selectFrom('email_tokens').select('token_hash').execute();
    secrets.push(...tokenHashes.map((row) => String(row.token_hash)));

    const rows = await app.database.db.selectFrom('auth_events').selectAll().execute();
    const trail = JSON.stringify(rows);
    const types = new Set(rows.filter((row) => row.user_id === user.id).map((row) => row.type));
    for (const type of [
      'REGISTERED',
      'LOGIN_SUCCEEDED',
      'LOGIN_FAILED',
      'TOKEN_REFRESHED',
      'REFRESH_TOKEN_REUSED',
      'PASSWORD_CHANGED',
      'PASSWORD_RESET_REQUESTED',
      'PASSWORD_RESET',
      'EMAIL_VERIFIED',
      'LOGGED_OUT_EVERYWHERE',
    ]) {
      expect(types).toContain(type);
    }
    expect(pairs.length).toBeGreaterThanOrEqual(5);
    // The rows as text, what a grep of the table sees: addresses and user agents are there, secrets are not.
    expect(trail).toContain('203.0.113.99');
    expect(trail).toContain('AuditTest/secrets');
    for (const secret of secrets) expect(trail).not.toContain(secret);
    // Not even a piece of one: no run of 16 characters from any secret.
    for (const secret of secrets) {
      for (let i = 0; i + 16 <= secret.length; i += 8) expect(trail).not.toContain(secret.slice(i, i + 16));
    }
  });
});
