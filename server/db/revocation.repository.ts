import { sql, type Kysely } from 'kysely';

import {
  REVOCATION_CHANNEL,
  sessionRevoked,
  tokenRevoked,
  tombstoneRevocation,
  userVersionRaised,
  type RevocationEvent,
  type RevocationNotice,
} from '../auth/revocation-events.js';
import type { Database } from './database.js';

/**
 * Tells every process of the revocations. Called inside the transaction that makes them: Postgres delivers a
 * NOTIFY on commit and drops it on rollback, so no process hears of a revocation that did not happen.
 */
export async function notifyRevocations(db: Kysely<Database>, notices: readonly RevocationNotice[]): Promise<void> {
  for (const notice of notices) {
    await sql`select pg_notify(${REVOCATION_CHANNEL}, ${JSON.stringify(notice)})`.execute(db);
  }
}

/**
 * Every revocation that still guards a token some check may accept, as events: what a process loads into memory at
 * start. `after`: entries that stopped guarding before it are left out (now, less the clock tolerance). Deleted
 * sessions and users come from their tombstones, since their rows are gone.
 */
export async function findLiveRevocations(db: Kysely<Database>, after: Date): Promise<RevocationEvent[]> {
  const [tokens, sessions, users, tombstones] = await Promise.all([
    db.selectFrom('revoked_tokens').select(['jti', 'expires_at']).where('expires_at', '>', after).execute(),
    db
      .selectFrom('sessions')
      .select(['id', 'access_expires_at'])
      .where('revoked_at', 'is not', null)
      .where('access_expires_at', '>', after)
      .execute(),
    db.selectFrom('users').select(['id', 'token_version']).where('token_version', '>', 0).execute(),
    db.selectFrom('tombstones').select(['kind', 'id', 'expires_at']).where('expires_at', '>', after).execute(),
  ]);
  return [
    ...tokens.map(tokenRevoked),
    ...sessions.map(sessionRevoked),
    ...users.map(userVersionRaised),
    ...tombstones.map(tombstoneRevocation),
  ];
}
