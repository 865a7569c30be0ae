import { sql, type Insertable, type Kysely } from 'kysely';

import type { Database, SessionRevokedReason, SessionRow, SessionsTable } from './database.js';

export async function insertSession(db: Kysely<Database>, session: Insertable<SessionsTable>): Promise<SessionRow> {
  return db.insertInto('sessions').values(session).returningAll().executeTakeFirstOrThrow();
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
