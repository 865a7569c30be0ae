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

/**
 * What the revocation check needs to know of a token in one round trip: its user's current token version, whether
 * its `jti` is blacklisted, and whether its session has ended (or is gone: pruned once nothing it minted can live).
 */
export function findTokenStanding(
  db: Kysely<Database>,
  token: { userId: string; sessionId: string; jti: string },
): Promise<{ token_version: number; revoked: boolean; session_ended: boolean } | undefined> {
  return db
    .selectFrom('users')
    .leftJoin('sessions', (join) =>
      join.onRef('sessions.user_id', '=', 'users.id').on('sessions.id', '=', token.sessionId),
    )
    .select((eb) => [
      'users.token_version',
      eb
        .exists(eb.selectFrom('revoked_tokens').select('jti').where('revoked_tokens.jti', '=', token.jti))
        .$castTo<boolean>()
        .as('revoked'),
      eb
        .or([eb('sessions.id', 'is', null), eb('sessions.revoked_at', 'is not', null)])
        .$castTo<boolean>()
        .as('session_ended'),
    ])
    .where('users.id', '=', token.userId)
    .executeTakeFirst();
}
