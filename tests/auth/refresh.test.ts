import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loginPair, refresh, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { decodeClaims } from '../helpers/tokens.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const INVALID = { __typename: 'InvalidRefreshTokenError', code: 'INVALID_REFRESH_TOKEN' };

let app: TestApp; // default settings: a 10 s grace window
let strict: TestApp; // no grace window: any repeat is reuse
beforeAll(async () => {
  [app, strict] = await Promise.all([createTestApp(), createTestApp({ REFRESH_REUSE_GRACE: '0' })]);
});
afterAll(() => Promise.all([app.close(), strict.close()]));

describe('refresh tokens', () => {
  it('are opaque 256-bit values, not JWTs, valid for REFRESH_TOKEN_TTL', async () => {
    const account = await registerUser(app);
    expect(account.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { body } = await app.graphql(
      'mutation($t: String!) { refreshToken(refreshToken: $t) { ... on AuthPayload { refreshTokenExpiresAt } } }',
      {
        variables: { t: account.refreshToken },
      },
    );
    const days = (Date.parse(body.data?.refreshToken.refreshTokenExpiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('rotate: each refresh returns a new pair, and needs no access token', async () => {
    const account = await registerUser(app);
    const first = await refresh(app, account.refreshToken);
    expect(first).toMatchObject({ __typename: 'AuthPayload', user: { id: account.id } });
    expect(first.refreshToken).not.toBe(account.refreshToken);
    expect(first.accessToken).not.toBe(account.accessToken);
    expect(await tokenStatus(app, first.accessToken)).toBe('OK');
    const second = await refresh(app, first.refreshToken);
    expect(second.__typename).toBe('AuthPayload');
    expect(await tokenStatus(app, second.accessToken)).toBe('OK');
    // The session is the same one all along.
    expect(decodeClaims(second.accessToken).sid).toBe(decodeClaims(account.accessToken).sid);
  });

  it('refuse unknown, malformed and JWT-shaped values', async () => {
    const account = await registerUser(app);
    for (const token of ['', 'garbage', 'A'.repeat(43), account.accessToken, `${account.refreshToken}x`]) {
      expect(await refresh(app, token)).toMatchObject(INVALID);
    }
    expect(await refresh(app, account.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });
  });
});

describe('reuse detection', () => {
  it('login -> refresh -> refresh; every spent token is refused, and replaying one revokes the session', async () => {
    const account = await registerUser(strict);
    const first = await refresh(strict, account.refreshToken);
    const second = await refresh(strict, first.refreshToken);
    expect(second.__typename).toBe('AuthPayload');
    expect(await tokenStatus(strict, second.accessToken)).toBe('OK');

    // Replaying the first token: refused, and the whole session is revoked...
    expect(await refresh(strict, account.refreshToken)).toMatchObject(INVALID);
    // ...so its latest access token is refused, and so is every refresh token it ever had.
    expect(await tokenStatus(strict, second.accessToken)).toBe('TOKEN_REVOKED');
    expect(await tokenStatus(strict, account.accessToken)).toBe('TOKEN_REVOKED');
    for (const token of [first.refreshToken, second.refreshToken]) {
      expect(await refresh(strict, token)).toMatchObject(INVALID);
    }
  });

  it("leaves the user's other sessions alone", async () => {
    const account = await registerUser(strict);
    const other = await loginPair(strict, account.username, account.password);
    await refresh(strict, account.refreshToken);
    await refresh(strict, account.refreshToken); // reuse
    expect(await tokenStatus(strict, other.accessToken)).toBe('OK');
    expect(await refresh(strict, other.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('records why the session ended', async () => {
    const account = await registerUser(strict);
    await refresh(strict, account.refreshToken);
    await refresh(strict, account.refreshToken);
    const row = await strict.database.db
      .selectFrom('sessions')
      .select(['revoked_reason', 'revoked_at'])
      .where('user_id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_reason).toBe('REFRESH_TOKEN_REUSE');
    expect(row.revoked_at).not.toBeNull();
  });
});

describe('the grace window (REFRESH_REUSE_GRACE)', () => {
  it('gives two concurrent refreshes with the same token the same pair, and the session lives on', async () => {
    const account = await registerUser(app);
    const [a, b] = await Promise.all([refresh(app, account.refreshToken), refresh(app, account.refreshToken)]);
    expect(a.__typename).toBe('AuthPayload');
    expect(b).toEqual(a);
    expect(await tokenStatus(app, a.accessToken)).toBe('OK');
    expect(await refresh(app, a.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('does not cover a token whose successor has already been used', async () => {
    const account = await registerUser(app);
    const first = await refresh(app, account.refreshToken);
    const second = await refresh(app, first.refreshToken);
    expect(await refresh(app, account.refreshToken)).toMatchObject(INVALID);
    expect(await tokenStatus(app, second.accessToken)).toBe('TOKEN_REVOKED');
  });

  it('REFRESH_REUSE_GRACE=0 turns it off: even an immediate repeat is reuse', async () => {
    const account = await registerUser(strict);
    const [a, b] = await Promise.all([refresh(strict, account.refreshToken), refresh(strict, account.refreshToken)]);
    expect([a.__typename, b.__typename].sort()).toEqual(['AuthPayload', 'InvalidRefreshTokenError']);
    const winner = a.__typename === 'AuthPayload' ? a : b;
    expect(await tokenStatus(strict, winner.accessToken)).toBe('TOKEN_REVOKED');
  });

  it('ends: a replay after the window kills the session', async () => {
    const short = await createTestApp({ REFRESH_REUSE_GRACE: '1s' });
    try {
      const account = await registerUser(short);
      const first = await refresh(short, account.refreshToken);
      expect(await refresh(short, account.refreshToken)).toEqual(first); // inside the window
      await sleep(1_500);
      expect(await refresh(short, account.refreshToken)).toMatchObject(INVALID);
      expect(await tokenStatus(short, first.accessToken)).toBe('TOKEN_REVOKED');
    } finally {
      await short.close();
    }
  });
});

describe('lifetimes', () => {
  it('a refresh token expires after REFRESH_TOKEN_TTL', async () => {
    const short = await createTestApp({ REFRESH_TOKEN_TTL: '1s' });
    try {
      const account = await registerUser(short);
      await sleep(1_500);
      expect(await refresh(short, account.refreshToken)).toMatchObject(INVALID);
    } finally {
      await short.close();
    }
  });

  it('no amount of refreshing extends a session past SESSION_MAX_AGE', async () => {
    const capped = await createTestApp({ SESSION_MAX_AGE: '3s' });
    try {
      const account = await registerUser(capped);
      const cap = Date.now() + 3_000;
      const first = await refresh(capped, account.refreshToken);
      expect(Date.parse(first.refreshTokenExpiresAt)).toBeLessThanOrEqual(cap + 1_000);
      // Access tokens do not outlive the session either (ACCESS_TOKEN_TTL is 15 minutes here).
      expect(Date.parse(first.accessTokenExpiresAt)).toBeLessThanOrEqual(cap + 1_000);
      await sleep(1_500);
      const second = await refresh(capped, first.refreshToken);
      expect(second.refreshTokenExpiresAt).toBe(first.refreshTokenExpiresAt);
      await sleep(2_000);
      expect(await refresh(capped, second.refreshToken)).toMatchObject(INVALID);
    } finally {
      await capped.close();
    }
  });
});
