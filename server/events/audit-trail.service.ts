import type { Kysely } from 'kysely';

import { findAuthEventsPage, type AuthEventPosition, type AuthEventRow } from '../db/auth-event.repository.js';
import type { Database } from '../db/database.js';
import { isUuid } from '../users/user-input.js';
import type { AuthEventType } from './auth-event.js';

/** An event of the audit trail as it is read back. */
export interface AuditEvent {
  readonly id: string;
  readonly type: AuthEventType;
  readonly occurredAt: Date;
  readonly userId: string | null;
  readonly sessionId: string | null;
  /** Where the request came from; null for the CLI, and once the user is deleted. */
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** `AuthEventDetail`: facts, never a secret. */
  readonly detail: Record<string, unknown>;
}

/** One page of the trail, newest first: older than `after`, newer than `before`. */
export interface AuditTrailPage {
  readonly after?: AuthEventPosition;
  readonly before?: AuthEventPosition;
  readonly limit: number;
  /** Backwards (`last`): the page is read oldest first. */
  readonly ascending: boolean;
}

export interface AuditTrailFilter {
  /** Only this user's events (those that name them: what they did, and what was done to their account). */
  readonly userId?: string;
  /** Only events of these types; absent or empty: every type. */
  readonly types?: readonly AuthEventType[];
}

/** Reads the audit trail (the event log writes it; nothing here changes it). */
export interface AuditTrailService {
  /** For admins: every event, or those of one user or of some types. */
  list(filter: AuditTrailFilter, page: AuditTrailPage): Promise<AuditEvent[]>;
  /**
   * A user's own events ("recent security activity"). What someone else did to their account (an admin) shows what
   * and when, but not who nor from where: the admin's id, address and user agent are theirs, not the user's.
   */
  listOwn(userId: string, page: AuditTrailPage): Promise<AuditEvent[]>;
}

export function createAuditTrailService(deps: { db: Kysely<Database> }): AuditTrailService {
  const { db } = deps;

  async function read(filter: AuditTrailFilter, page: AuditTrailPage): Promise<AuditEvent[]> {
    // An id that is not a UUID is nobody's: no events (Postgres would refuse to compare it with a uuid column).
    if (filter.userId !== undefined && !isUuid(filter.userId)) return [];
    const rows = await findAuthEventsPage(db, {
      userId: filter.userId,
      types: filter.types,
      after: page.after,
      before: page.before,
      limit: page.limit,
      ascending: page.ascending,
    });
    return rows.map(toAuditEvent);
  }

  return {
    list: read,
    async listOwn(userId, page) {
      const events = await read({ userId }, page);
      return events.map((event) => (doneByAnother(event, userId) ? withoutActor(event) : event));
    },
  };
}

function toAuditEvent(row: AuthEventRow): AuditEvent {
  const detail: unknown = typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail;
  return {
    id: row.id,
    type: row.type as AuthEventType,
    occurredAt: row.occurred_at,
    userId: row.user_id,
    sessionId: row.session_id,
    ip: row.ip,
    userAgent: row.user_agent,
    detail: detail !== null && typeof detail === 'object' && !Array.isArray(detail) ? { ...detail } : {},
  };
}

function doneByAnother(event: AuditEvent, userId: string): boolean {
  const actorId = event.detail.actorId;
  return typeof actorId === 'string' && actorId !== userId;
}

function withoutActor(event: AuditEvent): AuditEvent {
  const { actorId: _actorId, ...detail } = event.detail;
  return { ...event, ip: null, userAgent: null, detail };
}
