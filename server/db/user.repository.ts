import { sql, type Kysely } from 'kysely';

import type { Database, NewUserRow, Role, UserRow } from './database.js';

export function findUserById(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Usernames match without regard to case (the unique index is on `lower(username)`). */
export function findUserByUsername(db: Kysely<Database>, username: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
}

/** Inserts a user; returns undefined when the username is taken (also when another request took it just now). */
export async function insertUser(db: Kysely<Database>, user: NewUserRow): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values(user)
    .onConflict((conflict) => conflict.expression(sql`lower(username)`).doNothing())
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
  changes: { role?: Role; password_hash?: string } = {},
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
export function lockUser(db: Kysely<Database>, id: string): Promise<Pick<UserRow, 'password_hash'> | undefined> {
  return db.selectFrom('users').select('password_hash').where('id', '=', id).forUpdate().executeTakeFirst();
}
