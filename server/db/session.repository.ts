import { authEventRows } from './auth-event.repository.js';
import type { RecordedAuthEvent } from '../events/auth-event.js';
import { sql, type Insertable, type Kysely } from 'kysely';

import type { Database, RefreshTokensTable, SessionRevokedReason, SessionRow, SessionsTable } from './database.js';

/**
 * A login in one statement (one round trip, atomic without a transaction): the new session, its first refresh
 * token, and the user's last login time. Returns that time.
 */
export async function insertLoginSession(
  db: Kysely<Database>,
  login: {
    session: Insertable<SessionsTable>;
    refreshToken: Insertable<RefreshTokensTable>;
    events: readonly RecordedAuthEvent[];
  },
): Promise<Date> {
  const row = await db
    .with('new_session', (cte) => cte.insertInto('sessions').values(login.session).returning('id'))
    .with('new_refresh_token', (cte) =>
      cte.insertInto('refresh_tokens').values(login.refreshToken).returning('token_hash'),
    )
    .with('new_events', (cte) => cte.insertInto('auth_events').values(authEventRows(login.events)).returning('id'))
    .updateTable('users')
    .set({ last_login_at: sql<Date>`now()` })
    .where('id', '=', login.session.user_id)
    .returning('last_login_at')
    .executeTakeFirstOrThrow();
  return row.last_login_at as Date;
}

/** Reads a session and locks it until the transaction ends, so that two refreshes of it run one after the other. */
export function findSessionForUpdate(db: Kysely<Database>, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function findLiveSessionsOfUser(db: Kysely<Database>, userId: string): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .where('absolute_expires_at', '>', sql<Date>`now()`)
    .orderBy('last_used_at', 'desc')
    .execute();
}

export async function recordSessionUse(
  db: Kysely<Database>,
  id: string,
  use: { expiresAt: Date; accessExpiresAt: Date },
): Promise<void> {
  await db
    .updateTable('sessions')
    .set((eb) => ({
      last_used_at: sql<Date>`now()`,
      expires_at: use.expiresAt,
      access_expires_at: sql<Date>`greatest(${eb.ref('access_expires_at')}, ${use.accessExpiresAt})`,
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * Ends the sessions that match and are still live; returns those that ended. `except` spares one session (the
 * caller's own, on a password change).
 */
export async function revokeSessions(
  db: Kysely<Database>,
  match: { userId: string; sessionId?: string; except?: string },
  reason: SessionRevokedReason,
): Promise<Pick<SessionRow, 'id' | 'access_expires_at'>[]> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: sql<Date>`now()`, revoked_reason: reason })
    .where('user_id', '=', match.userId)
    .where('revoked_at', 'is', null);
  if (match.sessionId !== undefined) query = query.where('id', '=', match.sessionId);
  if (match.except !== undefined) query = query.where('id', '!=', match.except);
  return query.returning(['id', 'access_expires_at']).execute();
}
