import type { KyselyPlugin } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import type { RevocationEvent } from '../../server/auth/revocation-events.js';
import type { RevocationListener, RevocationStatus } from '../../server/auth/revocation.js';
import type { User } from '../../server/users/user.js';
import { createUserCache } from '../../server/users/user-cache.js';
import { linksIn, VERIFY_SUBJECT } from '../helpers/account-mail.js';
import { login, ME, PASSWORD, registerAdmin, registerUser, type Account } from '../helpers/accounts.js';
import { createPeerApp, createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

/** Counts every statement an app sends through its Kysely instance. */
function statementCounter() {
  const counter = { count: 0, plugin: undefined as unknown as KyselyPlugin };
  counter.plugin = {
    transformQuery(args) {
      counter.count++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return counter;
}

/** A fresh database and an app on it whose statements are counted. */
async function countedApp(env: Record<string, string> = {}) {
  const statements = statementCounter();
  const database = await createTestDatabase();
  const app = await createTestApp(env, { ...database, db: database.db.withPlugin(statements.plugin) });
  return { app, statements };
}

/** How many statements `work` sends. */
async function statementsOf(statements: { count: number }, work: () => Promise<unknown>): Promise<number> {
  const before = statements.count;
  await work();
  return statements.count - before;
}

async function me(app: TestApp, token: string) {
  const { body } = await app.graphql(ME, { token });
  expect(body.errors).toBeUndefined();
  return body.data?.me;
}

const USER = /* GraphQL */ `
  query ($id: ID!) {
    user(id: $id) {
      id
      username
      email
      emailVerified
      role
      disabled
    }
  }
`;

/** A user as an admin sees them: every field the cache holds. */
async function userAsAdmin(app: TestApp, adminToken: string, id: string) {
  const { body } = await app.graphql(USER, { token: adminToken, variables: { id } });
  expect(body.errors).toBeUndefined();
  return body.data?.user;
}

describe('the user cache: `me` without a query', () => {
  let app: TestApp;
  let statements: ReturnType<typeof statementCounter>;
  beforeAll(async () => {
    ({ app, statements } = await countedApp());
  });
  afterAll(() => app.close());

  it('an authenticated `me` issues no statement once warm', async () => {
    const account = await registerUser(app);
    const expected = { id: account.id, username: account.username, email: null, role: 'USER' };
    expect(await me(app, account.accessToken)).toEqual(expected);
    for (let index = 0; index < 3; index++) {
      expect(
        await statementsOf(statements, async () => expect(await me(app, account.accessToken)).toEqual(expected)),
      ).toBe(0);
    }
  });

  it('`user(id)` is served from memory too', async () => {
    const admin = await registerAdmin(app);
    const account = await registerUser(app);
    await userAsAdmin(app, admin.accessToken, account.id);
    expect(await statementsOf(statements, () => userAsAdmin(app, admin.accessToken, account.id))).toBe(0);
  });

  it('`lastLoginAt` is read from the database when asked, never served stale', async () => {
    const account = await registerUser(app);
    const lastLogin = async (token: string) => {
      const { body } = await app.graphql('{ me { id lastLoginAt } }', { token });
      return body.data?.me.lastLoginAt as string;
    };
    const first = await lastLogin(account.accessToken);
    expect(await statementsOf(statements, () => lastLogin(account.accessToken))).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const token = await login(app, account.username, PASSWORD);
    expect(Date.parse(await lastLogin(token))).toBeGreaterThan(Date.parse(first));
    expect(Date.parse(await lastLogin(account.accessToken))).toBeGreaterThan(Date.parse(first));
  });

  it('is bypassed while the revocation state is not trusted, and used again once it is', async () => {
    const account = await registerUser(app);
    await me(app, account.accessToken);
    const status = vi.spyOn(app.revocations, 'status').mockReturnValue('database-fallback');
    try {
      expect(await statementsOf(statements, () => me(app, account.accessToken))).toBe(1);
      expect(await statementsOf(statements, () => me(app, account.accessToken))).toBe(1);
    } finally {
      status.mockRestore();
    }
    expect(await statementsOf(statements, () => me(app, account.accessToken))).toBe(0);
  });
});

describe('USER_CACHE_SIZE', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('bounds the users each process remembers: the least recently used go first', async () => {
    const { app, statements } = await countedApp({ USER_CACHE_SIZE: '2' });
    apps.push(app);
    const [first, second, third] = [await registerUser(app), await registerUser(app), await registerUser(app)];
    for (const account of [first!, second!, third!]) await me(app, account.accessToken);
    expect(await statementsOf(statements, () => me(app, third!.accessToken))).toBe(0);
    expect(await statementsOf(statements, () => me(app, second!.accessToken))).toBe(0);
    expect(await statementsOf(statements, () => me(app, first!.accessToken))).toBe(1);
  });

  // In database mode the token check is a statement of its own.
  it.each([
    ['USER_CACHE_SIZE=0', { USER_CACHE_SIZE: '0' }, 1],
    ['REVOCATION_CHECK=database', { REVOCATION_CHECK: 'database' }, 2],
  ])('%s: every `me` reads the database', async (_name, env, perRequest) => {
    const { app, statements } = await countedApp(env);
    apps.push(app);
    const account = await registerUser(app);
    await me(app, account.accessToken);
    expect(await statementsOf(statements, () => me(app, account.accessToken))).toBe(perRequest);
  });
});

// Every change to what the cache holds answers only once no process serves the old value. On Postgres, a second
// process (its own pool and listener) must see it too; on PGlite there is one process.
describe('a change to a user reaches every process before it answers', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let admin: Account;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await createTestApp({}, database, { keepDatabaseOpen: true });
    b = testDriver === 'postgres' ? await createPeerApp(database) : a;
    admin = await registerAdmin(a);
  });
  afterAll(async () => {
    if (b !== a) await b.close();
    await a.close();
    await database.close();
  });

  /** Reads the user on every process, so each remembers them, and returns what they saw. */
  async function warm(id: string) {
    const seen = await Promise.all([a, b].map((app) => userAsAdmin(app, admin.accessToken, id)));
    expect(seen[1]).toEqual(seen[0]);
    return seen[0];
  }

  async function seenEverywhere(id: string) {
    return Promise.all([a, b].map((app) => userAsAdmin(app, admin.accessToken, id)));
  }

  async function verificationToken(email: string): Promise<string> {
    const mail = await database.db
      .selectFrom('mail_outbox')
      .select('text_body')
      .where('recipient', '=', email)
      .where('subject', '=', VERIFY_SUBJECT)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    const token = new URLSearchParams(new URL(linksIn(mail.text_body)[0]!).hash.slice(1)).get('token');
    if (!token) throw new Error(`No token in ${mail.text_body}`);
    return token;
  }

  const VERIFY = 'mutation($token: String!) { verifyEmail(token: $token) { __typename } }';

  it('role', async () => {
    const account = await registerUser(a);
    expect(await warm(account.id)).toMatchObject({ role: 'USER' });
    const { body } = await a.graphql('mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { role } }', {
      token: admin.accessToken,
      variables: { id: account.id },
    });
    expect(body.data?.setUserRole).toEqual({ role: 'ADMIN' });
    for (const seen of await seenEverywhere(account.id)) expect(seen).toMatchObject({ role: 'ADMIN' });
  });

  it('email verified, seen by the user themself on every process', async () => {
    const email = `${account()}@example.com`;
    const user = await registerUser(a, { email });
    for (const app of [a, b]) expect(await me(app, user.accessToken)).toMatchObject({ email });
    expect(await warm(user.id)).toMatchObject({ email, emailVerified: false });
    const { body } = await a.graphql(VERIFY, { variables: { token: await verificationToken(email) } });
    expect(body.data?.verifyEmail).toEqual({ __typename: 'User' });
    for (const seen of await seenEverywhere(user.id)) expect(seen).toMatchObject({ email, emailVerified: true });
  });

  it('email changed', async () => {
    const user = await registerUser(a);
    expect(await warm(user.id)).toMatchObject({ email: null });
    for (const app of [a, b]) expect(await me(app, user.accessToken)).toMatchObject({ email: null });
    const email = `${account()}@example.com`;
    const change = await a.graphql(
      'mutation($email: String!, $password: String!) { changeEmail(newEmail: $email, password: $password) { __typename } }',
      { token: user.accessToken, variables: { email, password: PASSWORD } },
    );
    expect(change.body.data?.changeEmail).toEqual({ __typename: 'MailQueued' });
    await a.graphql(VERIFY, { variables: { token: await verificationToken(email) } });
    for (const seen of await seenEverywhere(user.id)) expect(seen).toMatchObject({ email, emailVerified: true });
    for (const app of [a, b]) expect(await me(app, user.accessToken)).toMatchObject({ email });
  });

  it('disabled, and enabled again (which raises no token version)', async () => {
    const user = await registerUser(a);
    expect(await warm(user.id)).toMatchObject({ disabled: false });
    const SET = 'mutation($id: ID!, $disabled: Boolean!) { setUserDisabled(userId: $id, disabled: $disabled) { id } }';
    await a.graphql(SET, { token: admin.accessToken, variables: { id: user.id, disabled: true } });
    for (const seen of await seenEverywhere(user.id)) expect(seen).toMatchObject({ disabled: true });
    await a.graphql(SET, { token: admin.accessToken, variables: { id: user.id, disabled: false } });
    for (const seen of await seenEverywhere(user.id)) expect(seen).toMatchObject({ disabled: false });
  });

  it('deleted', async () => {
    const user = await registerUser(a);
    await warm(user.id);
    const { body } = await a.graphql('mutation($id: ID!) { deleteUser(userId: $id) }', {
      token: admin.accessToken,
      variables: { id: user.id },
    });
    expect(body.data?.deleteUser).toBe(true);
    expect(await seenEverywhere(user.id)).toEqual([null, null]);
  });

  // No operation changes a username: there is nothing to test for it.
});

describe('a read racing a change', () => {
  /** Holds the next read of a user's row, once it has read, until released. */
  function readGate() {
    const held = new WeakSet<object>();
    let armed = false;
    let reached!: () => void;
    let release!: () => void;
    const gate = {
      reached: new Promise<void>((resolve) => (reached = resolve)),
      released: new Promise<void>((resolve) => (release = resolve)),
      arm: () => (armed = true),
      release: () => release(),
      plugin: {
        transformQuery(args) {
          const node = args.node;
          if (armed && node.kind === 'SelectQueryNode' && JSON.stringify(node.from).includes('"users"')) {
            armed = false;
            held.add(args.queryId);
          }
          return node;
        },
        async transformResult(args) {
          if (held.has(args.queryId)) {
            reached();
            await gate.released;
          }
          return args.result;
        },
      } satisfies KyselyPlugin,
    };
    return gate;
  }

  // A held read keeps its connection: PGlite has one, which the change needs. Postgres has a pool.
  it.skipIf(testDriver !== 'postgres')(
    'a read of the old row answered after the change leaves nothing stale',
    async () => {
      const gate = readGate();
      const database = await createTestDatabase();
      const app = await createTestApp({}, { ...database, db: database.db.withPlugin(gate.plugin) });
      try {
        const admin = await registerAdmin(app);
        const user = await registerUser(app);
        gate.arm();
        const racing = userAsAdmin(app, admin.accessToken, user.id);
        await gate.reached; // the old row is read, not yet handed back
        const { body } = await app.graphql('mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { role } }', {
          token: admin.accessToken,
          variables: { id: user.id },
        });
        expect(body.data?.setUserRole).toEqual({ role: 'ADMIN' });
        gate.release();
        expect(await racing).toMatchObject({ role: 'USER' });
        expect(await userAsAdmin(app, admin.accessToken, user.id)).toMatchObject({ role: 'ADMIN' });
      } finally {
        gate.release();
        await app.close();
      }
    },
  );
});

describe('createUserCache', () => {
  /** Revocations as the cache sees them, moved by the test. */
  function fakeRevocations() {
    const listeners = new Set<RevocationListener>();
    const fake = {
      statusNow: 'memory' as RevocationStatus,
      epochNow: 1,
      status: () => fake.statusNow,
      memoryEpoch: () => fake.epochNow,
      subscribe(listener: RevocationListener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      publish: (...events: RevocationEvent[]) => listeners.forEach((listener) => listener(events)),
    };
    return fake;
  }

  const user = (role: 'USER' | 'ADMIN'): User => ({
    id: 'u1',
    username: 'alice',
    email: null,
    role,
    tokenVersion: 0,
    createdAt: new Date(0),
    lastLoginAt: null,
    disabled: false,
    emailVerified: false,
  });

  it('a read that began before an eviction does not put the old row back', async () => {
    const revocations = fakeRevocations();
    const cache = createUserCache({ maxUsers: 10, revocations });
    let finish!: (value: User) => void;
    const racing = cache.read('u1', () => new Promise((resolve) => (finish = resolve)));
    // The change commits and its notice is applied while the read of the old row is still in flight.
    revocations.publish({ type: 'user-changed', userId: 'u1' });
    finish(user('USER'));
    expect(await racing).toMatchObject({ role: 'USER' });
    expect(cache.size).toBe(0);
    expect(await cache.read('u1', async () => user('ADMIN'))).toMatchObject({ role: 'ADMIN' });
    expect(await cache.read('u1', () => Promise.reject(new Error('not read again')))).toMatchObject({ role: 'ADMIN' });
  });

  it.each(['user', 'user-deleted', 'user-changed'] as const)('a `%s` event evicts the user', async (type) => {
    const revocations = fakeRevocations();
    const cache = createUserCache({ maxUsers: 10, revocations });
    await cache.read('u1', async () => user('USER'));
    const event: RevocationEvent =
      type === 'user'
        ? { type, userId: 'u1', version: 1 }
        : type === 'user-deleted'
          ? { type, userId: 'u1', until: Date.now() }
          : { type, userId: 'u1' };
    revocations.publish(event);
    expect(cache.size).toBe(0);
  });

  it('is bypassed while memory is not trusted, and forgets everything when notices may have been lost', async () => {
    const revocations = fakeRevocations();
    const cache = createUserCache({ maxUsers: 10, revocations });
    const load = vi.fn(async () => user('USER'));
    await cache.read('u1', load);
    revocations.statusNow = 'database-fallback';
    await cache.read('u1', load);
    await cache.read('u1', load);
    expect(load).toHaveBeenCalledTimes(3);
    // The listener dropped and came back: whatever it missed left nothing to reload, so nothing is kept.
    revocations.statusNow = 'memory';
    revocations.epochNow++;
    await cache.read('u1', load);
    expect(load).toHaveBeenCalledTimes(4);
    await cache.read('u1', load);
    expect(load).toHaveBeenCalledTimes(4);
  });

  it('a read during which the listener dropped is not remembered', async () => {
    const revocations = fakeRevocations();
    const cache = createUserCache({ maxUsers: 10, revocations });
    let finish!: (value: User) => void;
    const racing = cache.read('u1', () => new Promise((resolve) => (finish = resolve)));
    revocations.epochNow++;
    finish(user('USER'));
    await racing;
    expect(cache.size).toBe(0);
  });

  it('keeps no `lastLoginAt`: it changes at every login', async () => {
    const cache = createUserCache({ maxUsers: 10, revocations: fakeRevocations() });
    await cache.read('u1', async () => ({ ...user('USER'), lastLoginAt: new Date() }));
    const remembered = await cache.read('u1', () => Promise.reject(new Error('not read again')));
    expect(remembered?.lastLoginAt).toBeUndefined();
  });
});

let counter = 0;
/** A local part no other test uses. */
function account(): string {
  return `cache_${process.pid}_${Date.now()}_${counter++}`;
}
