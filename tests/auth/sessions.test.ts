import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loginPair, refresh, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { decodeClaims } from '../helpers/tokens.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const SESSIONS = '{ sessions { id createdAt lastUsedAt expiresAt userAgent current } }';
const sessionsOf = async (token: string) => (await app.graphql(SESSIONS, { token })).body.data?.sessions as any[];
const INVALID = { code: 'INVALID_REFRESH_TOKEN' };

describe('Query.sessions', () => {
  it("lists the viewer's live sessions, marks the current one, and records the user agent", async () => {
    const account = await registerUser(app);
    const phone = await loginPair(app, account.username, account.password, { 'user-agent': 'TesseraTest/phone' });
    const sessions = await sessionsOf(phone.accessToken);
    expect(sessions).toHaveLength(2);
    const current = sessions.find((session) => session.current);
    expect(current).toMatchObject({ id: decodeClaims(phone.accessToken).sid, userAgent: 'TesseraTest/phone' });
    expect(sessions.filter((session) => !session.current)).toHaveLength(1);
    expect(Date.parse(current.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('needs a login', async () => {
    expect((await app.graphql(SESSIONS)).body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});

describe('Mutation.revokeSession', () => {
  it('ends one of my sessions at once: its access and refresh tokens stop working', async () => {
    const account = await registerUser(app);
    const laptop = await loginPair(app, account.username, account.password);
    const revoke = await app.graphql('mutation($id: ID!) { revokeSession(id: $id) }', {
      token: account.accessToken,
      variables: { id: decodeClaims(laptop.accessToken).sid },
    });
    expect(revoke.body).toEqual({ data: { revokeSession: true } });
    expect(await tokenStatus(app, laptop.accessToken)).toBe('TOKEN_REVOKED');
    expect(await refresh(app, laptop.refreshToken)).toMatchObject(INVALID);
    expect(await tokenStatus(app, account.accessToken)).toBe('OK');
    expect((await sessionsOf(account.accessToken)).map((session) => session.current)).toEqual([true]);
  });

  it("cannot touch another user's session", async () => {
    const alice = await registerUser(app);
    const mallory = await registerUser(app);
    for (const id of [decodeClaims(alice.accessToken).sid, 'not-a-uuid']) {
      const { body } = await app.graphql('mutation($id: ID!) { revokeSession(id: $id) }', {
        token: mallory.accessToken,
        variables: { id },
      });
      expect(body).toEqual({ data: { revokeSession: false } });
    }
    expect(await tokenStatus(app, alice.accessToken)).toBe('OK');
  });
});

describe('Mutation.logout', () => {
  it("ends the caller's session: its refresh token stops working too", async () => {
    const account = await registerUser(app);
    await app.graphql('mutation { logout }', { token: account.accessToken });
    expect(await refresh(app, account.refreshToken)).toMatchObject(INVALID);
  });
});

describe('Mutation.logoutAll', () => {
  it("ends every session; every session's access and refresh tokens fail on the next request", async () => {
    const account = await registerUser(app);
    const others = [
      await loginPair(app, account.username, account.password),
      await loginPair(app, account.username, account.password),
    ];
    const { body } = await app.graphql('mutation { logoutAll }', { token: account.accessToken });
    expect(body).toEqual({ data: { logoutAll: 3 } });
    for (const pair of [account, ...others]) {
      expect(await tokenStatus(app, pair.accessToken)).toBe('TOKEN_REVOKED');
      expect(await refresh(app, pair.refreshToken)).toMatchObject(INVALID);
    }
  });

  it("leaves other users' sessions alone", async () => {
    const alice = await registerUser(app);
    const bob = await registerUser(app);
    await app.graphql('mutation { logoutAll }', { token: alice.accessToken });
    expect(await tokenStatus(app, bob.accessToken)).toBe('OK');
  });
});
