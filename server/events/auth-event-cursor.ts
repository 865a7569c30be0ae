import type { AuthEventPosition } from '../db/auth-event.repository.js';

const PREFIX = 'AuthEvent:';
/** Milliseconds since the epoch (what the trail stores), then the event's id. */
const POSITION = /^(\d{1,15}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const MAX_CURSOR_LENGTH = 128;

/**
 * Where an event stands in the trail (newest first): its time to the millisecond and its id, which orders events of
 * the same time. Made opaque so clients do not build cursors of their own.
 */
export function authEventCursor(event: { occurredAt: Date; id: string }): string {
  return Buffer.from(`${PREFIX}${event.occurredAt.getTime()}:${event.id}`).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one of ours (nothing of it reaches a query). */
export function decodeAuthEventCursor(cursor: string): AuthEventPosition | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) return undefined;
  const match = POSITION.exec(text.slice(PREFIX.length));
  if (!match) return undefined;
  const occurredAt = new Date(Number(match[1]));
  if (Number.isNaN(occurredAt.getTime())) return undefined;
  return { occurredAt, id: match[2]! };
}
