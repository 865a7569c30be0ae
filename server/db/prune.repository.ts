import { sql, type Kysely } from 'kysely';

import { pruneAuthEvents } from './auth-event.repository.js';
import type { Database } from './database.js';

/** How long a mail that is no longer pending stays in the outbox. */
const SETTLED_MAIL_KEPT_MS = 7 * 24 * 3600 * 1000;

export interface PruneCounts {
  revokedTokens: number;
  refreshTokens: number;
  sessions: number;
  tombstones: number;
  emailTokens: number;
  /** Second steps of logins, and passkey ceremonies, that were never finished. */
  mfaChallenges: number;
  mails: number;
  /** Audit trail entries older than AUDIT_RETENTION. */
  authEvents: number;
}

/**
 * Deletes what can no longer matter: blacklist entries of tokens that have expired anyway, refresh tokens past
 * their expiry, sessions that have ended (revoked or expired) and whose every access token has expired, and
 * tombstones of deleted users and sessions once every token they refuse has expired, expired email tokens, MFA
 * challenges and passkey ceremonies, and settled mail a week old. `before` is "now" less a margin
 * for clock skew, so nothing that still guards a live token is removed. Auth events go once older than
 * `authEventsBefore` (`before` less the audit retention).
 */
export async function pruneExpired(db: Kysely<Database>, before: Date, authEventsBefore: Date): Promise<PruneCounts> {
  const revokedTokens = await db.deleteFrom('revoked_tokens').where('expires_at', '<', before).executeTakeFirst();
  const refreshTokens = await db.deleteFrom('refresh_tokens').where('expires_at', '<', before).executeTakeFirst();
  const sessions = await db.transaction().execute(async (trx) => {
    // Tells the delete trigger that sessions whose tokens all expired before `before` guard nothing: pruning them is
    // no revocation, so they leave no tombstone and send no notice.
    await sql`select set_config('tessera.prune_before', ${before.toISOString()}, true)`.execute(trx);
    return trx
      .deleteFrom('sessions')
      .where('access_expires_at', '<', before)
      .where((eb) =>
        eb.or([
          eb('revoked_at', 'is not', null),
          eb('expires_at', '<', before),
          eb('absolute_expires_at', '<', before),
        ]),
      )
      .executeTakeFirst();
  });
  const tombstones = await db.deleteFrom('tombstones').where('expires_at', '<', before).executeTakeFirst();
  const emailTokens = await db.deleteFrom('email_tokens').where('expires_at', '<', before).executeTakeFirst();
  const webauthnChallenges = await db
    .deleteFrom('webauthn_challenges')
    .where('expires_at', '<', before)
    .executeTakeFirst();
  const mfaChallenges = await db.deleteFrom('mfa_challenges').where('expires_at', '<', before).executeTakeFirst();
  // Settled mail (sent, kept in the development outbox, or given up) is kept a while for the operator to look at.
  const mails = await db
    .deleteFrom('mail_outbox')
    .where('status', '!=', 'pending')
    .where('created_at', '<', new Date(before.getTime() - SETTLED_MAIL_KEPT_MS))
    .executeTakeFirst();
  const authEvents = await pruneAuthEvents(db, authEventsBefore);
  return {
    revokedTokens: Number(revokedTokens.numDeletedRows),
    refreshTokens: Number(refreshTokens.numDeletedRows),
    sessions: Number(sessions.numDeletedRows),
    tombstones: Number(tombstones.numDeletedRows),
    emailTokens: Number(emailTokens.numDeletedRows),
    mfaChallenges: Number(mfaChallenges.numDeletedRows) + Number(webauthnChallenges.numDeletedRows),
    mails: Number(mails.numDeletedRows),
    authEvents,
  };
}
