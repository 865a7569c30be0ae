import type { Kysely } from 'kysely';

import type { Database } from './database.js';

/** Blacklists one token until it would have expired anyway. Revoking twice is not an error. */
export async function insertRevokedToken(
  db: Kysely<Database>,
  token: { jti: string; userId: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('revoked_tokens')
    .values({ jti: token.jti, user_id: token.userId, expires_at: token.expiresAt })
    .onConflict((conflict) => conflict.column('jti').doNothing())
    .execute();
}

/** Where a token stands, as the database-mode revocation check reads it. */
export interface TokenStanding {
  /** The user's current token version; null when the user does not exist. */
  token_version: number | null;
  /** Its user was deleted (a tombstone that still guards tokens). */
  user_deleted: boolean;
  /** Its `jti` is blacklisted. */
  revoked: boolean;
  /** Its session has ended, or is gone (deleted, or pruned once nothing it minted can live). */
  session_ended: boolean;
}

/**
 * What the revocation check needs to know of a token in one round trip: its user's current token version (or that
 * the user was deleted), whether its `jti` is blacklisted, and whether its session has ended. `sub` and `sid` must
 * already be known to be UUIDs (the columns are), as verifying the token ensures.
 */
export function findTokenStanding(
  db: Kysely<Database>,
  token: { userId: string; sessionId: string; jti: string },
): Promise<TokenStanding> {
  return db
    .selectNoFrom((eb) => [
      eb.selectFrom('users').select('token_version').where('id', '=', token.userId).as('token_version'),
      eb
        .exists(eb.selectFrom('tombstones').select('id').where('kind', '=', 'user').where('id', '=', token.userId))
        .$castTo<boolean>()
        .as('user_deleted'),
      eb
        .exists(eb.selectFrom('revoked_tokens').select('jti').where('jti', '=', token.jti))
        .$castTo<boolean>()
        .as('revoked'),
      eb
        .not(
          eb.exists(
            eb
              .selectFrom('sessions')
              .select('id')
              .where('id', '=', token.sessionId)
              .where('user_id', '=', token.userId)
              .where('revoked_at', 'is', null),
          ),
        )
        .$castTo<boolean>()
        .as('session_ended'),
    ])
    .executeTakeFirstOrThrow();
}
