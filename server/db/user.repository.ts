import { sql, type Kysely, type Selectable } from 'kysely';

import type { Database, NewUserRow, Role, TombstonesTable, UserRow } from './database.js';

export function findUserById(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** When the user last logged in: null for never, undefined for no such user. */
export async function findLastLoginAt(db: Kysely<Database>, id: string): Promise<Date | null | undefined> {
  const row = await db.selectFrom('users').select('last_login_at').where('id', '=', id).executeTakeFirst();
  return row?.last_login_at;
}

/** Usernames match without regard to case (the unique index is on `lower(username)`). */
export function findUserByUsername(db: Kysely<Database>, username: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
}

/** Emails match without regard to case (the unique index is on `lower(email)`). */
export function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

/**
 * Inserts a user; returns undefined when the username or the email is taken (also when another request took it just
 * now: the unique indexes decide).
 */
export async function insertUser(db: Kysely<Database>, user: NewUserRow): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values(user)
    .onConflict((conflict) => conflict.doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Makes `email` the user's proved address (it may be a new one, from a change of address). Undefined when no user has
 * this id; a unique violation (23505) when another account took the address meanwhile.
 */
export function setVerifiedEmail(db: Kysely<Database>, id: string, email: string): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ email, email_verified: true })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Raises the token version, with the change that calls for it (a new role, a new password hash), so that every
 * access token minted before is TOKEN_STALE at once.
 */
export function raiseTokenVersion(
  db: Kysely<Database>,
  id: string,
  changes: { role?: Role; password_hash?: string; email_verified?: boolean } = {},
): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set((eb) => ({ ...changes, token_version: eb('token_version', '+', 1) }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Locks a user's row until the transaction ends. Writers that change several of a user's sessions take it first,
 * so two of them never lock those sessions in different orders (which would deadlock).
 */
export function lockUser(
  db: Kysely<Database>,
  id: string,
): Promise<Pick<UserRow, 'password_hash' | 'email'> | undefined> {
  return db.selectFrom('users').select(['password_hash', 'email']).where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Disables a user and raises their token version in one statement: every access token minted before is stale at
 * once, including one from a login whose password check read the row just before this committed. `disabled_at`
 * keeps the first time when the user was already disabled.
 */
export function disableUser(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set((eb) => ({
      disabled: true,
      disabled_at: sql<Date>`coalesce(${eb.ref('disabled_at')}, now())`,
      token_version: eb('token_version', '+', 1),
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export function enableUser(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ disabled: false, disabled_at: null })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Deletes a user; their sessions, refresh tokens and blacklist entries go by cascade. The delete triggers leave
 * tombstones and NOTIFY every process (see the migration that creates `tombstones`); the user's tombstone is returned
 * so the caller can send it as a revocation of its own and wait for every process to acknowledge it. Undefined when
 * no user has this id.
 */
export async function deleteUserLeavingTombstone(
  db: Kysely<Database>,
  id: string,
): Promise<Selectable<TombstonesTable> | undefined> {
  const deleted = await db.deleteFrom('users').where('id', '=', id).returning('id').executeTakeFirst();
  if (!deleted) return undefined;
  return db
    .selectFrom('tombstones')
    .selectAll()
    .where('kind', '=', 'user')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** Which page of users to read. */
export interface UserPage {
  /** Matched without regard to case anywhere in the username or email; `%`, `_` and `\` match themselves. */
  search?: string;
  /** Only users after (or before) this position: a username in lower case, as `lower(username)` compares. */
  after?: string;
  before?: string;
  limit: number;
  /** Backwards (`last`): the page is read in descending order. */
  descending: boolean;
}

/**
 * A page of users ordered by username (without regard to case), which the unique index on `lower(username)` serves
 * and which makes an exact cursor: unlike `created_at`, whose microseconds a JavaScript Date cannot hold.
 */
export function findUsersPage(db: Kysely<Database>, page: UserPage): Promise<UserRow[]> {
  const name = sql<string>`lower(username)`;
  let query = db.selectFrom('users').selectAll();
  if (page.search) {
    const pattern = `%${escapeLikePattern(page.search)}%`;
    query = query.where((eb) => eb.or([eb('username', 'ilike', pattern), eb('email', 'ilike', pattern)]));
  }
  if (page.after !== undefined) query = query.where(name, '>', page.after);
  if (page.before !== undefined) query = query.where(name, '<', page.before);
  return query
    .orderBy(name, page.descending ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

/** LIKE's wildcards and its escape character (a backslash, Postgres's default), made literal. */
function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
