import type { Insertable, Kysely } from 'kysely';

import type { Database, RefreshTokenRow, RefreshTokensTable } from './database.js';

export async function insertRefreshToken(db: Kysely<Database>, token: Insertable<RefreshTokensTable>): Promise<void> {
  await db.insertInto('refresh_tokens').values(token).execute();
}

/** Reads a refresh token by hash and locks it until the transaction ends. */
export function findRefreshTokenForUpdate(db: Kysely<Database>, hash: string): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hash).forUpdate().executeTakeFirst();
}

export function findRefreshToken(db: Kysely<Database>, hash: string): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

/** Marks a token spent by rotation, naming the token that replaced it. */
export async function markRefreshTokenSpent(
  db: Kysely<Database>,
  hash: string,
  spent: { at: Date; successorHash: string },
): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ spent_at: spent.at, successor_hash: spent.successorHash })
    .where('token_hash', '=', hash)
    .execute();
}

/** Spends every unspent token of a session with no successor (a password change replaces them with a new one). */
export async function spendRefreshTokensOfSession(db: Kysely<Database>, sessionId: string, at: Date): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ spent_at: at })
    .where('session_id', '=', sessionId)
    .where('spent_at', 'is', null)
    .execute();
}
