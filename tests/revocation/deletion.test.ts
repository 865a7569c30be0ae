import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeRevocationNotice, REVOCATION_CHANNEL } from '../../server/auth/revocation-events.js';
import { postgresConnection } from '../../server/db/connect.js';
import { pruneNow } from '../../server/maintenance/pruning.js';
import { createUserService } from '../../server/users/user.service.js';
import { login, loginPair, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createPeerApp, createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { decodeClaims } from '../helpers/tokens.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Issue #11, item 2: a user or session deleted in SQL (by hand, or by `ON DELETE CASCADE`, which sends no notice of
// its own) stayed trusted in memory mode until its tokens expired; a deleted admin kept admin rights. Two servers in
// memory mode and one in database mode share one database here; all must refuse a deletion, for the same reason.
describe('deleted users and sessions', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let strict: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await createTestApp({}, database, { keepDatabaseOpen: true });
    b = await createPeerApp(database);
    strict = await createTestApp({ REVOCATION_CHECK: 'database' }, database, { keepDatabaseOpen: true });
  });
  afterAll(async () => {
    await strict.close();
    await b.close();
    await a.close();
    await database.close();
  });

  /** Deletes as an operator would in psql: no app code runs, only the database's own triggers. */
  async function deleteInSql(statement: ReturnType<typeof sql>) {
    await statement.execute(a.database.db);
    const committed = Date.now();
    // A delete by hand has nobody waiting for its notice to come back (the app's own revocations do): wait until
    // each memory-mode server has provably heard everything committed before now, as its heartbeat echo proves.
    // On PGlite that is at once. However late, the trust window bounds it (see tests/revocation/faults.test.ts).
    for (const app of [a, b]) await heardEverythingBefore(app, committed);
  }

  /** How every server answers a token: the two in memory mode, from memory, and the one in database mode. */
  async function everyServer(token: string) {
    const claims = decodeClaims(token);
    const fromMemory = (app: TestApp) =>
      app.revocations.state!.check({
        userId: claims.sub,
        sessionId: claims.sid,
        jti: claims.jti,
        role: claims.role,
        tokenVersion: claims.ver,
        expiresAt: claims.exp,
      }) ?? 'OK';
    return {
      a: await tokenStatus(a, token),
      b: await tokenStatus(b, token),
      database: await tokenStatus(strict, token),
      memory: [fromMemory(a), fromMemory(b)],
    };
  }
  const refusedEverywhere = {
    a: 'TOKEN_REVOKED',
    b: 'TOKEN_REVOKED',
    database: 'TOKEN_REVOKED',
    memory: ['TOKEN_REVOKED', 'TOKEN_REVOKED'],
  };
  const acceptedEverywhere = { a: 'OK', b: 'OK', database: 'OK', memory: ['OK', 'OK'] };

  it('a user deleted in SQL is refused on the next request, on every server', async () => {
    const account = await registerUser(a);
    const other = await loginPair(a, account.username, account.password);
    expect(await everyServer(account.accessToken)).toEqual(acceptedEverywhere);

    await deleteInSql(sql`delete from users where id = ${account.id}`);
    expect(await everyServer(account.accessToken)).toEqual(refusedEverywhere);
    expect(await everyServer(other.accessToken)).toEqual(refusedEverywhere);
    expect(b.revocations.status()).toBe('memory');
  });

  it('a deleted admin keeps no admin rights', async () => {
    const admin = await registerUser(a);
    await createUserService({ db: a.database.db, revocations: a.revocations }).setRole({ id: admin.id }, 'ADMIN');
    const adminToken = await login(a, admin.username, admin.password);
    const victim = await registerUser(a);
    const SET_ROLE = 'mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }';
    const USER = 'query($id: ID!) { user(id: $id) { id role } }';
    // (control) the admin token works on every server
    for (const app of [a, b, strict]) {
      const { body } = await app.graphql(USER, { token: adminToken, variables: { id: victim.id } });
      expect(body).toEqual({ data: { user: { id: victim.id, role: 'USER' } } });
    }

    await deleteInSql(sql`delete from users where id = ${admin.id}`);
    for (const app of [a, b, strict]) {
      const { status, body } = await app.graphql(SET_ROLE, {
        token: adminToken,
        variables: { id: victim.id, role: 'ADMIN' },
      });
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
    }
    const row = await a.database.db.selectFrom('users').select('role').where('id', '=', victim.id).executeTakeFirst();
    expect(row).toEqual({ role: 'USER' });
  });

  it('a session deleted in SQL is refused on the next request, and the other sessions are not', async () => {
    const account = await registerUser(a);
    const other = await loginPair(a, account.username, account.password);
    const sid = decodeClaims(other.accessToken).sid;

    await deleteInSql(sql`delete from sessions where id = ${sid}`);
    expect(await everyServer(other.accessToken)).toEqual(refusedEverywhere);
    expect(await everyServer(account.accessToken)).toEqual(acceptedEverywhere);
  });

  it('a session deleted with the rest of its user by a cascade is refused, as is a revoked one deleted later', async () => {
    const account = await registerUser(a);
    const other = await loginPair(a, account.username, account.password);
    // Revoked first (memory holds it from the revocation), then its row deleted: the tombstone keeps it refused
    // for a server that reloads, where the revoked row used to.
    await a.graphql('mutation { logout }', { token: other.accessToken });
    await deleteInSql(sql`delete from sessions where id = ${decodeClaims(other.accessToken).sid}`);
    expect(await everyServer(other.accessToken)).toEqual(refusedEverywhere);

    const sid = decodeClaims(account.accessToken).sid;
    await deleteInSql(sql`delete from users where id = ${account.id}`);
    expect(await everyServer(account.accessToken)).toEqual(refusedEverywhere);
    const tombstones = await a.database.db
      .selectFrom('tombstones')
      .select(['kind', 'id'])
      .where('id', 'in', [account.id, sid])
      .orderBy('kind')
      .execute();
    expect(tombstones).toEqual([
      { kind: 'session', id: sid },
      { kind: 'user', id: account.id },
    ]);
  });

  it('a deletion that is rolled back revokes nothing', async () => {
    const account = await registerUser(a);
    await expect(
      a.database.db.transaction().execute(async (trx) => {
        await sql`delete from users where id = ${account.id}`.execute(trx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await deleteInSql(sql`select 1`);
    expect(await everyServer(account.accessToken)).toEqual(acceptedEverywhere);
  });

  it('a server started after the deletion refuses it too', async () => {
    const deleted = await registerUser(a);
    const kept = await registerUser(a);
    const other = await loginPair(a, kept.username, kept.password);
    await deleteInSql(sql`delete from users where id = ${deleted.id}`);
    await deleteInSql(sql`delete from sessions where id = ${decodeClaims(other.accessToken).sid}`);

    const late = await createPeerApp(database);
    try {
      expect(late.revocations.status()).toBe('memory');
      expect(await tokenStatus(late, deleted.accessToken)).toBe('TOKEN_REVOKED');
      expect(await tokenStatus(late, other.accessToken)).toBe('TOKEN_REVOKED');
      expect(await tokenStatus(late, kept.accessToken)).toBe('OK');
      expect(late.revocations.state!.size.deletedUsers).toBeGreaterThanOrEqual(1);
    } finally {
      await late.close();
    }
  });

  it('a mass delete reaches every server, in notices under the 8000-byte NOTIFY limit', async () => {
    const account = await registerUser(a);
    const count = 120;
    const { rows } = await sql<{ id: string }>`
      insert into sessions (id, user_id, expires_at, absolute_expires_at, access_expires_at)
      select gen_random_uuid(), ${account.id}, now() + interval '1 day', now() + interval '1 day',
             now() + interval '15 minutes'
      from generate_series(1, ${count})
      returning id
    `.execute(a.database.db);
    const payloads: string[] = [];
    const listening = await listenAside(database, (payload) => payloads.push(payload));
    const notices = Math.ceil((count + 1) / 50); // and the session it registered with
    try {
      await deleteInSql(sql`delete from sessions where user_id = ${account.id}`);
      for (let i = 0; i < 100 && payloads.length < notices; i++) await sleep(10);
    } finally {
      await listening.close();
    }
    // One notice per 50 rows, not one per row, each under the limit, each one the processes can read.
    expect(payloads).toHaveLength(notices);
    for (const payload of payloads) {
      expect(Buffer.byteLength(payload)).toBeLessThan(8000);
      expect(decodeRevocationNotice(payload)?.events.every((event) => event.type === 'session')).toBe(true);
    }
    for (const app of [a, b]) {
      for (const { id } of rows) {
        const claims = { userId: account.id, sessionId: id, jti: id, role: 'USER' as const, tokenVersion: 0 };
        expect(app.revocations.state!.check({ ...claims, expiresAt: 0 })).toBe('TOKEN_REVOKED');
      }
    }
    expect(await tokenStatus(b, account.accessToken)).toBe('TOKEN_REVOKED');
  });
});

describe('tombstones and pruning', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);
  const tombstonesOf = (...ids: string[]) =>
    app.database.db.selectFrom('tombstones').select(['kind', 'id', 'expires_at']).where('id', 'in', ids).execute();

  it("a user's tombstone lasts until the last access token of its sessions expires", async () => {
    const account = await registerUser(app);
    const other = await loginPair(app, account.username, account.password);
    const latest = Math.max(decodeClaims(account.accessToken).exp, decodeClaims(other.accessToken).exp) * 1000;
    await sql`delete from users where id = ${account.id}`.execute(app.database.db);
    const [user] = await tombstonesOf(account.id);
    expect(user?.kind).toBe('user');
    expect(user?.expires_at.getTime()).toBe(latest);
  });

  it('pruning keeps a tombstone that still guards a live token and removes an expired one', async () => {
    const account = await registerUser(app);
    const sid = decodeClaims(account.accessToken).sid;
    await sql`delete from users where id = ${account.id}`.execute(app.database.db);
    await heardEverythingBefore(app, Date.now());
    expect(await tombstonesOf(account.id, sid)).toHaveLength(2);

    // Now, and just before the access token (15 min) expires: both stay, and the token stays refused.
    await pruneNow(app.database.db);
    await pruneNow(app.database.db, minutesFromNow(14));
    expect(await tombstonesOf(account.id, sid)).toHaveLength(2);
    expect(await tokenStatus(app, account.accessToken)).toBe('TOKEN_REVOKED');
    const late = await createTestApp({}, app.database, { keepDatabaseOpen: true });
    try {
      expect(await tokenStatus(late, account.accessToken)).toBe('TOKEN_REVOKED');
    } finally {
      await late.close();
    }

    // Past its expiry (and the clock margin), nothing can present it any more: both go.
    const counts = await pruneNow(app.database.db, minutesFromNow(17));
    expect(counts.tombstones).toBeGreaterThanOrEqual(2);
    expect(await tombstonesOf(account.id, sid)).toEqual([]);
  });

  it('a truncate by hand is a deletion too', async () => {
    const account = await registerUser(app);
    const sid = decodeClaims(account.accessToken).sid;
    await sql`truncate users cascade`.execute(app.database.db);
    await heardEverythingBefore(app, Date.now());
    expect(await tokenStatus(app, account.accessToken)).toBe('TOKEN_REVOKED');
    expect((await tombstonesOf(account.id, sid)).map(({ kind }) => kind).sort()).toEqual(['session', 'user']);
  });

  it('pruning an ended session is no deletion: it leaves no tombstone', async () => {
    const account = await registerUser(app);
    const sid = decodeClaims(account.accessToken).sid;
    await app.graphql('mutation { logout }', { token: account.accessToken });
    const counts = await pruneNow(app.database.db, minutesFromNow(17));
    expect(counts.sessions).toBeGreaterThanOrEqual(1);
    expect(await tombstonesOf(sid)).toEqual([]);
  });
});

/**
 * Resolves once `app`'s listener has heard back a heartbeat sent at or after `moment`: everything committed before
 * has been delivered. In process (PGlite, no echo age) it was delivered as the commit returned.
 */
async function heardEverythingBefore(app: TestApp, moment: number): Promise<void> {
  const echoAge = () => app.revocations.listenerEchoAgeMs?.() ?? 0;
  for (let i = 0; i < 300; i++) {
    if (Date.now() - echoAge() >= moment) return;
    await sleep(10);
  }
  throw new Error('the revocation listener did not catch up');
}

/** A listener of our own on the revocation channel, to see the payloads themselves. */
async function listenAside(database: TestDatabase, onNotification: (payload: string) => void) {
  const connection = database.url ? postgresConnection(database.url) : database;
  const listener = await connection.listen(
    REVOCATION_CHANNEL,
    { onNotification, onConnected: () => {}, onDisconnected: () => {} },
    { heartbeatIntervalMs: 250 },
  );
  return {
    async close() {
      await listener.close();
      if (connection !== database) await connection.close();
    },
  };
}
