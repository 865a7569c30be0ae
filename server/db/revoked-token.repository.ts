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

/** What the revocation check needs to know of a token: its user's current version and whether it is blacklisted. */
export function findTokenStanding(
  db: Kysely<Database>,
  token: { userId: string; jti: string },
): Promise<{ token_version: number; revoked: boolean } | undefined> {
  return db
    .selectFrom('users')
    .select((eb) => [
      'users.token_version',
      eb
        .exists(eb.selectFrom('revoked_tokens').select('jti').where('revoked_tokens.jti', '=', token.jti))
        .$castTo<boolean>()
        .as('revoked'),
    ])
    .where('users.id', '=', token.userId)
    .executeTakeFirst();
}
