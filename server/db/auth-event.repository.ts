import type { Insertable, Kysely, Selectable } from 'kysely';

import type { AuthEventsTable, Database } from './database.js';
import type { AuthEventType, RecordedAuthEvent } from '../events/auth-event.js';

export type AuthEventRow = Selectable<AuthEventsTable>;

export async function insertAuthEvents(db: Kysely<Database>, events: readonly RecordedAuthEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('auth_events').values(authEventRows(events)).execute();
}

/** The rows of these events, for an insert of their own or one that rides along in another statement. */
export function authEventRows(events: readonly RecordedAuthEvent[]): Insertable<AuthEventsTable>[] {
  return events.map((event) => ({
    id: event.id,
    occurred_at: event.occurredAt,
    type: event.type,
    user_id: event.userId ?? null,
    session_id: event.sessionId ?? null,
    ip: event.client?.ip ?? null,
    user_agent: event.client?.userAgent ?? null,
    detail: JSON.stringify(event.detail ?? {}),
  }));
}

/** Which page of the trail to read: newest first. */
export interface AuthEventPage {
  userId?: string;
  types?: readonly AuthEventType[];
  /** Only events older (or, with `before`, newer) than this position. */
  after?: AuthEventPosition;
  before?: AuthEventPosition;
  limit: number;
  /** Backwards (`last`): the page is read oldest first. */
  ascending: boolean;
}

/** A place in the trail: the time, and the id that orders events of the same time. */
export interface AuthEventPosition {
  occurredAt: Date;
  id: string;
}

export function findAuthEventsPage(db: Kysely<Database>, page: AuthEventPage): Promise<AuthEventRow[]> {
  let query = db.selectFrom('auth_events').selectAll();
  if (page.userId !== undefined) query = query.where('user_id', '=', page.userId);
  if (page.types && page.types.length > 0) query = query.where('type', 'in', page.types);
  // Times are written from JavaScript (milliseconds), so a position read back compares exactly.
  const { after, before } = page;
  if (after) {
    query = query.where(({ eb, refTuple, tuple }) =>
      eb(refTuple('occurred_at', 'id'), '<', tuple(after.occurredAt, after.id)),
    );
  }
  if (before) {
    query = query.where(({ eb, refTuple, tuple }) =>
      eb(refTuple('occurred_at', 'id'), '>', tuple(before.occurredAt, before.id)),
    );
  }
  const direction = page.ascending ? 'asc' : 'desc';
  return query.orderBy('occurred_at', direction).orderBy('id', direction).limit(page.limit).execute();
}

/** Events older than the retention (AUDIT_RETENTION) go with the rest of what pruning removes. */
export async function pruneAuthEvents(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db.deleteFrom('auth_events').where('occurred_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
