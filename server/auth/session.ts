import type { SessionRow } from '../db/database.js';

/** One login on one device, as its owner sees it. */
export interface Session {
  readonly id: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  /** When the session ends if its refresh token goes unused (never later than its absolute lifetime). */
  readonly expiresAt: Date;
  readonly userAgent: string | null;
  /** The session the request's access token belongs to. */
  readonly current: boolean;
}

export function toSession(row: SessionRow, currentSessionId: string | undefined): Session {
  return {
    id: row.id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at < row.absolute_expires_at ? row.expires_at : row.absolute_expires_at,
    userAgent: row.user_agent,
    current: row.id === currentSessionId,
  };
}

/** Where a login came from, recorded on its session. */
export interface ClientInfo {
  readonly userAgent: string | null;
  readonly ip: string | null;
}
