import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { userCursor } from '../../server/users/user-cursor.js';
import {
  LOGIN,
  loginPair,
  refresh,
  registerAdmin,
  registerUser,
  uniqueUsername,
  type Account,
} from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  AUTH_EVENTS,
  MY_AUTH_EVENTS,
  allEvents,
  eventPage,
  insertEvents,
  isNewestFirst,
  listen,
  type Client,
  type EventNode,
  type ListeningApp,
} from './audit-http.js';

const LAPTOP: Client = { ip: '203.0.113.10', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AuditTest/laptop' };
const PHONE: Client = { ip: '2001:db8::42', userAgent: 'Mozilla/5.0 (iPhone) AuditTest/phone' };
const ATTACKER: Client = { ip: '198.51.100.7', userAgent: 'curl/8.5.0' };
const ADMIN_DESK: Client = { ip: '192.0.2.1', userAgent: 'AuditTest/admin' };

let app: TestApp;
let server: ListeningApp;
let admin: Account;
beforeAll(async () => {
  app = await createTestApp({
    // Requests reach the app through 127.0.0.1, a trusted proxy: X-Forwarded-For names the client.
    TRUSTED_PROXY: 'loopback',
    // A repeated refresh is reuse at once (no grace), and per-address limits stay out of the way.
    REFRESH_REUSE_GRACE: '0',
    RATE_LIMIT_ADDRESS: '1000000/1m',
  });
  server = await listen(app);
  admin = await registerAdmin(server.as(ADMIN_DESK));
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

const eventsOf = (userId: string, variables: Record<string, unknown> = {}) =>
  allEvents(app, admin.accessToken, { userId, ...variables });
const only = (events: EventNode[], type: string) => events.filter((event) => event.type === type);

describe('authEvents (admins)', () => {
  it('after a login, a failed login, a refresh reuse and a logoutAll, lists those events with ip and user agent', async () => {
    const user = await registerUser(server.as(LAPTOP));
    const phone = await loginPair(server.as(PHONE), user.username, user.password);
    const failed = await server
      .as(ATTACKER)
      .graphql(LOGIN, { variables: { username: user.username, password: 'not the password' } });
    expect(failed.body.data?.login).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await refresh(server.as(PHONE), phone.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });
    // The spent refresh token again, from elsewhere: reuse, and the phone's session ends.
    expect(await refresh(server.as(ATTACKER), phone.refreshToken)).toMatchObject({
      __typename: 'InvalidRefreshTokenError',
    });
    const { body } = await server.as(LAPTOP).graphql('mutation { logoutAll }', { token: user.accessToken });
    expect(body.data?.logoutAll).toBeGreaterThanOrEqual(1);

    const events = await eventsOf(user.id);
    expect(isNewestFirst(events)).toBe(true);
    expect(events.map((event) => event.type).sort()).toEqual(
      [
        'REGISTERED',
        'LOGIN_SUCCEEDED',
        'LOGIN_SUCCEEDED',
        'LOGIN_FAILED',
        'TOKEN_REFRESHED',
        'REFRESH_TOKEN_REUSED',
        'LOGGED_OUT_EVERYWHERE',
      ].sort(),
    );
    expect(events.every((event) => event.userId === user.id)).toBe(true);
    // The last thing done is the newest.
    expect(events[0]!.type).toBe('LOGGED_OUT_EVERYWHERE');

    const [login] = only(events, 'LOGIN_SUCCEEDED').filter((event) => event.detail.method === 'password');
    expect(login).toMatchObject({ ip: PHONE.ip, userAgent: PHONE.userAgent });
    const phoneSession = login!.sessionId;
    expect(phoneSession).toEqual(expect.any(String));
    expect(only(events, 'LOGIN_FAILED')).toEqual([
      expect.objectContaining({
        ip: ATTACKER.ip,
        userAgent: ATTACKER.userAgent,
        detail: { reason: 'INVALID_CREDENTIALS' },
      }),
    ]);
    expect(only(events, 'TOKEN_REFRESHED')).toEqual([
      expect.objectContaining({ ip: PHONE.ip, userAgent: PHONE.userAgent, sessionId: phoneSession }),
    ]);
    expect(only(events, 'REFRESH_TOKEN_REUSED')).toEqual([
      expect.objectContaining({
        ip: ATTACKER.ip,
        userAgent: ATTACKER.userAgent,
        sessionId: phoneSession,
        detail: { reason: 'REFRESH_TOKEN_REUSE' },
      }),
    ]);
    expect(only(events, 'LOGGED_OUT_EVERYWHERE')).toEqual([
      expect.objectContaining({ ip: LAPTOP.ip, userAgent: LAPTOP.userAgent, detail: { count: expect.any(Number) } }),
    ]);
    expect(only(events, 'REGISTERED')).toEqual([expect.objectContaining({ ip: LAPTOP.ip })]);
    for (const event of events) expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
  });

  it('filters by user and by types, alone or together', async () => {
    const [alice, bob] = [await registerUser(server.as(LAPTOP)), await registerUser(server.as(PHONE))];
    for (const who of [alice, bob, alice]) {
      await server.as(ATTACKER).graphql(LOGIN, { variables: { username: who.username, password: 'wrong guess' } });
    }
    const alices = await eventsOf(alice.id);
    expect(alices.length).toBeGreaterThan(0);
    expect(alices.every((event) => event.userId === alice.id)).toBe(true);

    const alicesFailures = await eventsOf(alice.id, { types: ['LOGIN_FAILED'] });
    expect(alicesFailures.map((event) => event.type)).toEqual(['LOGIN_FAILED', 'LOGIN_FAILED']);
    expect(alicesFailures.every((event) => event.userId === alice.id)).toBe(true);

    const both = await eventsOf(bob.id, { types: ['LOGIN_FAILED', 'REGISTERED'] });
    expect(both.map((event) => event.type).sort()).toEqual(['LOGIN_FAILED', 'REGISTERED']);

    // Across users: only the types asked for, everyone's (Alice's and Bob's among them).
    const failures = await allEvents(app, admin.accessToken, { types: ['LOGIN_FAILED'] });
    expect(failures.every((event) => event.type === 'LOGIN_FAILED')).toBe(true);
    expect(failures.filter((event) => event.userId === alice.id)).toHaveLength(2);
    expect(failures.filter((event) => event.userId === bob.id)).toHaveLength(1);

    // No types: every type, as no filter at all.
    expect(await eventsOf(alice.id, { types: [] })).toEqual(alices);
    expect(await eventsOf(alice.id, { types: null })).toEqual(alices);
    // An id nobody has (or that is not an id at all): nothing, not an error.
    expect(await eventsOf(randomUUID())).toEqual([]);
    expect(await eventsOf('not-a-uuid')).toEqual([]);
    expect(await eventsOf(alice.id.toUpperCase())).toEqual(alices);
  });

  it('an unknown type is refused by the schema', async () => {
    const { body } = await app.graphql(AUTH_EVENTS, { token: admin.accessToken, variables: { types: ['HACKED'] } });
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.message).toContain('AuthEventType');
  });

  describe('pages', () => {
    /** 45 events of one (made-up) user, some sharing a millisecond: their ids order them. */
    const userId = randomUUID();
    let expected: EventNode[];
    beforeAll(async () => {
      const base = Date.now() - 3_600_000;
      await insertEvents(
        app,
        Array.from({ length: 45 }, (_, i) => ({
          type: 'LOGIN_FAILED' as const,
          userId,
          occurredAt: new Date(base + Math.floor(i / 3) * 1000),
          client: { ip: `203.0.113.${i}`, userAgent: 'paging' },
          detail: { reason: 'INVALID_CREDENTIALS' },
        })),
      );
      expected = (await eventPage(app, admin.accessToken, { userId, first: 100 })).events;
    });

    it('newest first, by time then id', () => {
      expect(expected).toHaveLength(45);
      expect(isNewestFirst(expected)).toBe(true);
    });

    it('forwards with first/after: stable and complete, every event once, across ties', async () => {
      for (const size of [1, 2, 3, 7, 44, 45]) {
        const seen = await allEvents(app, admin.accessToken, { userId }, 'authEvents', size);
        expect(seen.map((event) => event.id)).toEqual(expected.map((event) => event.id));
      }
      const first = await eventPage(app, admin.accessToken, { userId, first: 10 });
      expect(first).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(first.startCursor).toBe(first.cursors[0]);
      expect(first.endCursor).toBe(first.cursors[9]);
      const second = await eventPage(app, admin.accessToken, { userId, first: 10, after: first.endCursor });
      expect(second.events).toEqual(expected.slice(10, 20));
      // The same cursor, asked again after newer events arrive, gives the same page: positions, not offsets.
      await insertEvents(app, [{ type: 'LOGIN_FAILED', userId, occurredAt: new Date() }]);
      const again = await eventPage(app, admin.accessToken, { userId, first: 10, after: first.endCursor });
      expect(again.events).toEqual(second.events);
      const third = await eventPage(app, admin.accessToken, { userId, first: 10, after: again.endCursor });
      expect(third.events).toEqual(expected.slice(20, 30));
    });

    it('backwards with last/before', async () => {
      const tail = await eventPage(app, admin.accessToken, { userId, last: 5 });
      expect(tail.events).toEqual(expected.slice(40));
      expect(tail).toMatchObject({ hasPreviousPage: true });
      const before = await eventPage(app, admin.accessToken, { userId, last: 5, before: tail.startCursor });
      expect(before.events).toEqual(expected.slice(35, 40));
    });

    it('20 unless asked, at most 100', async () => {
      const many = randomUUID();
      const base = Date.now() - 7_200_000;
      await insertEvents(
        app,
        Array.from({ length: 130 }, (_, i) => ({
          type: 'TOKEN_REFRESHED' as const,
          userId: many,
          occurredAt: new Date(base + i),
        })),
      );
      expect((await eventPage(app, admin.accessToken, { userId: many })).events).toHaveLength(20);
      const capped = await eventPage(app, admin.accessToken, { userId: many, first: 1000 });
      expect(capped.events).toHaveLength(100);
      expect(capped.hasNextPage).toBe(true);
      expect((await eventPage(app, admin.accessToken, { userId: many, last: 1000 })).events).toHaveLength(100);
    });

    it('refuses cursors it did not give, and negative sizes, with BAD_REQUEST', async () => {
      const refusal = async (variables: Record<string, unknown>) => {
        const { body } = await app.graphql(AUTH_EVENTS, {
          token: admin.accessToken,
          variables: { userId, ...variables },
        });
        return body.errors?.[0]?.extensions?.code;
      };
      const forged = (text: string) => Buffer.from(text).toString('base64url');
      expect(await refusal({ after: 'garbage' })).toBe('BAD_REQUEST');
      expect(await refusal({ after: userCursor({ username: 'alice' }) })).toBe('BAD_REQUEST');
      expect(await refusal({ before: forged(`AuthEvent:${Date.now()}:not-a-uuid`) })).toBe('BAD_REQUEST');
      expect(await refusal({ after: forged(`AuthEvent:-5:${randomUUID()}`) })).toBe('BAD_REQUEST');
      expect(await refusal({ after: forged(`AuthEvent:${Date.now()}:${randomUUID()}'; drop table users; --`) })).toBe(
        'BAD_REQUEST',
      );
      expect(await refusal({ after: 'A'.repeat(10_000) })).toBe('BAD_REQUEST');
      expect(await refusal({ first: -1 })).toBe('BAD_REQUEST');
      expect(await refusal({ last: -1 })).toBe('BAD_REQUEST');
      // A cursor of its own, even for a position no event holds, is fine: here, older than every event.
      const page = await eventPage(app, admin.accessToken, {
        userId,
        first: 5,
        after: forged(`AuthEvent:${Date.now() - 86_400_000}:${randomUUID()}`),
      });
      expect(page).toMatchObject({ events: [], hasNextPage: false });
    });
  });

  it('is for admins only: FORBIDDEN for a user, UNAUTHENTICATED without a token', async () => {
    const user = await registerUser(app);
    const forbidden = await app.graphql(AUTH_EVENTS, { token: user.accessToken, variables: {} });
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forbidden.body.data ?? null).toBeNull();
    const forbiddenOwn = await app.graphql(AUTH_EVENTS, { token: user.accessToken, variables: { userId: user.id } });
    expect(forbiddenOwn.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await app.graphql(AUTH_EVENTS, { variables: {} });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('myAuthEvents (the viewer)', () => {
  it("shows the viewer's own events only, newest first, a page at a time", async () => {
    const user = await registerUser(server.as(LAPTOP));
    const other = await registerUser(server.as(PHONE));
    await loginPair(server.as(PHONE), user.username, user.password);
    await server.as(ATTACKER).graphql(LOGIN, { variables: { username: user.username, password: 'wrong guess' } });
    await loginPair(server.as(PHONE), other.username, other.password);

    const own = await allEvents(app, user.accessToken, {}, 'myAuthEvents');
    expect(own.length).toBeGreaterThanOrEqual(4);
    expect(own.every((event) => event.userId === user.id)).toBe(true);
    expect(isNewestFirst(own)).toBe(true);
    expect(own.map((event) => event.id)).toEqual((await eventsOf(user.id)).map((event) => event.id));
    // The failed attempt on their account, with where it came from: that is what "recent activity" is for.
    expect(only(own, 'LOGIN_FAILED')).toEqual([
      expect.objectContaining({ ip: ATTACKER.ip, userAgent: ATTACKER.userAgent }),
    ]);

    const paged = await allEvents(app, user.accessToken, {}, 'myAuthEvents', 1);
    expect(paged).toEqual(own);
    const others = await allEvents(app, other.accessToken, {}, 'myAuthEvents');
    expect(others.every((event) => event.userId === other.id)).toBe(true);
    expect(others.some((event) => own.some((mine) => mine.id === event.id))).toBe(false);
  });

  it('needs a login', async () => {
    const { body } = await app.graphql(MY_AUTH_EVENTS, { variables: {} });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  it('shows what an admin did to the account, but not which admin nor from where', async () => {
    const user = await registerUser(server.as(LAPTOP));
    const { body } = await server
      .as(ADMIN_DESK)
      .graphql(`mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }`, {
        token: admin.accessToken,
        variables: { id: user.id },
      });
    expect(body.data?.setUserDisabled.id).toBe(user.id);
    await server.as(ADMIN_DESK).graphql(`mutation($id: ID!) { setUserDisabled(userId: $id, disabled: false) { id } }`, {
      token: admin.accessToken,
      variables: { id: user.id },
    });
    const pair = await loginPair(server.as(LAPTOP), user.username, user.password);

    const asAdminSeesIt = await eventsOf(user.id, { types: ['ACCOUNT_DISABLED', 'ACCOUNT_ENABLED'] });
    expect(asAdminSeesIt).toHaveLength(2);
    for (const event of asAdminSeesIt) {
      expect(event).toMatchObject({
        ip: ADMIN_DESK.ip,
        userAgent: ADMIN_DESK.userAgent,
        detail: { actorId: admin.id },
      });
    }
    const own = await allEvents(app, pair.accessToken, {}, 'myAuthEvents');
    const byAdmin = own.filter((event) => event.type === 'ACCOUNT_DISABLED' || event.type === 'ACCOUNT_ENABLED');
    expect(byAdmin.map((event) => event.type)).toEqual(['ACCOUNT_ENABLED', 'ACCOUNT_DISABLED']);
    for (const event of byAdmin) expect(event).toMatchObject({ ip: null, userAgent: null, detail: {} });
    expect(JSON.stringify(own)).not.toContain(admin.id);
    expect(JSON.stringify(own)).not.toContain(ADMIN_DESK.ip);
  });
});

describe("a deleted user's events", () => {
  it('keep their type and time, and lose the address, user agent and names and addresses in detail', async () => {
    const email = `${uniqueUsername('gone')}@example.org`;
    const newEmail = `${uniqueUsername('moved')}@example.org`;
    const user = await registerUser(server.as(LAPTOP), { email });
    await server.as(ATTACKER).graphql(LOGIN, { variables: { username: user.username, password: 'wrong guess' } });
    const changed = await server
      .as(PHONE)
      .graphql(`mutation($e: String!, $p: String!) { changeEmail(newEmail: $e, password: $p) { __typename } }`, {
        token: user.accessToken,
        variables: { e: newEmail, p: user.password },
      });
    expect(changed.body.data?.changeEmail.__typename).toBe('MailQueued');
    const before = await eventsOf(user.id);
    expect(only(before, 'EMAIL_CHANGE_REQUESTED')).toEqual([
      expect.objectContaining({ ip: PHONE.ip, detail: { newEmail } }),
    ]);
    expect(before.every((event) => event.ip !== null && event.userAgent !== null)).toBe(true);

    const deleted = await server.as(ADMIN_DESK).graphql(`mutation($id: ID!) { deleteUser(userId: $id) }`, {
      token: admin.accessToken,
      variables: { id: user.id },
    });
    expect(deleted.body.data?.deleteUser).toBe(true);

    const after = await eventsOf(user.id);
    const [deletion, ...earlier] = after;
    // The deletion itself says who did it, from the admin's desk (the admin's data, not the user's).
    expect(deletion).toMatchObject({ type: 'ACCOUNT_DELETED', userId: user.id, detail: { actorId: admin.id } });
    // Everything before keeps its shape: the same events, types and times, and no personal data.
    expect(
      earlier.map(({ id, type, occurredAt, userId, sessionId }) => ({ id, type, occurredAt, userId, sessionId })),
    ).toEqual(
      before.map(({ id, type, occurredAt, userId, sessionId }) => ({ id, type, occurredAt, userId, sessionId })),
    );
    for (const event of earlier) {
      expect(event.ip).toBeNull();
      expect(event.userAgent).toBeNull();
      expect(Object.keys(event.detail)).not.toEqual(expect.arrayContaining(['email']));
      expect(Object.keys(event.detail)).not.toEqual(expect.arrayContaining(['newEmail']));
      expect(Object.keys(event.detail)).not.toEqual(expect.arrayContaining(['username']));
    }
    expect(only(earlier, 'LOGIN_FAILED')).toEqual([
      expect.objectContaining({ detail: { reason: 'INVALID_CREDENTIALS' } }),
    ]);

    // Nothing of them is left anywhere in their rows.
    const rows = await app.database.db.selectFrom('auth_events').selectAll().where('user_id', '=', user.id).execute();
    const text = JSON.stringify(rows);
    for (const personal of [email, newEmail, user.username, LAPTOP.ip, LAPTOP.userAgent, PHONE.ip, ATTACKER.ip]) {
      expect(text.toLowerCase()).not.toContain(personal.toLowerCase());
    }
  });
});
