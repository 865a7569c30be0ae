import { randomUUID } from 'node:crypto';

import { z } from 'zod';

/**
 * One revocation, as sent to every process over Postgres NOTIFY and applied to each process's in-memory state.
 * Times are milliseconds since the epoch: the moment after which the entry guards nothing (every access token it
 * could refuse has expired by then).
 */
export type RevocationEvent =
  | { type: 'token'; jti: string; until: number }
  | { type: 'session'; sessionId: string; until: number }
  | { type: 'user'; userId: string; version: number }
  | { type: 'user-deleted'; userId: string; until: number }
  /** Not a revocation: the key ring changed (`tessera keys rotate`); every process reads it again. */
  | { type: 'signing-keys' }
  /**
   * Not a revocation: a user's row changed (role, email, its verification, username, disabled flag); every process
   * drops what it remembers of the user (`users/user-cache.ts`) before the change answers.
   */
  | { type: 'user-changed'; userId: string };

/** The events that take tokens back: what the revocation feed and its metrics tell of. The rest is internal. */
export type Revocation = Extract<RevocationEvent, { type: 'token' | 'session' | 'user' | 'user-deleted' }>;

const REVOCATION_TYPES: ReadonlySet<RevocationEvent['type']> = new Set(['token', 'session', 'user', 'user-deleted']);

/**
 * Whether an event takes tokens back. An allowlist, not a denylist: an internal event added later never reaches the
 * services that follow the feed.
 */
export function isRevocation(event: RevocationEvent): event is Revocation {
  return REVOCATION_TYPES.has(event.type);
}

export const REVOCATION_CHANNEL = 'tessera_revocations';

/** One access token blacklisted, until it expires. */
export const tokenRevoked = (token: { jti: string; expires_at: Date }): RevocationEvent => ({
  type: 'token',
  jti: token.jti,
  until: token.expires_at.getTime(),
});

/** A session ended: its access tokens are refused until the last of them expires. */
export const sessionRevoked = (session: { id: string; access_expires_at: Date }): RevocationEvent => ({
  type: 'session',
  sessionId: session.id,
  until: session.access_expires_at.getTime(),
});

/** A user's tokens minted before this version are stale. */
export const userVersionRaised = (user: { id: string; token_version: number }): RevocationEvent => ({
  type: 'user',
  userId: user.id,
  version: user.token_version,
});

/** A user's row changed in a way a process may remember (not their token version: `userVersionRaised` says that). */
export const userChanged = (userId: string): RevocationEvent => ({ type: 'user-changed', userId });

/**
 * A session or user was deleted: its tombstone, as a revocation. A deleted session is a revoked one; a deleted user
 * has every token refused until the last could have expired. The delete triggers (see the migration that creates
 * `tombstones`) send the same events from SQL.
 */
export const tombstoneRevocation = (tombstone: {
  kind: 'session' | 'user';
  id: string;
  expires_at: Date;
}): RevocationEvent =>
  tombstone.kind === 'session'
    ? { type: 'session', sessionId: tombstone.id, until: tombstone.expires_at.getTime() }
    : { type: 'user-deleted', userId: tombstone.id, until: tombstone.expires_at.getTime() };

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('token'), jti: z.string(), until: z.number() }),
  z.object({ type: z.literal('session'), sessionId: z.string(), until: z.number() }),
  z.object({ type: z.literal('user'), userId: z.string(), version: z.number().int().nonnegative() }),
  z.object({ type: z.literal('user-deleted'), userId: z.string(), until: z.number() }),
  z.object({ type: z.literal('signing-keys') }),
  z.object({ type: z.literal('user-changed'), userId: z.string() }),
]);
const payloadSchema = z.object({ id: z.string(), events: z.array(eventSchema), replyTo: z.string().optional() });

/**
 * One NOTIFY: a batch of events with an id, so the sender can tell when its own notification has come back, and
 * where every other process sends its acknowledgement once it has applied them (`replyTo`; none from SQL triggers).
 */
export interface RevocationNotice {
  readonly id: string;
  readonly events: RevocationEvent[];
  readonly replyTo?: string;
}

// NOTIFY payloads must stay under 8000 bytes; events are a little over 100 bytes each.
const EVENTS_PER_PAYLOAD = 50;

/** Splits events into notices, each small enough for one NOTIFY payload. */
export function toRevocationNotices(events: readonly RevocationEvent[], replyTo?: string): RevocationNotice[] {
  const notices: RevocationNotice[] = [];
  for (let start = 0; start < events.length; start += EVENTS_PER_PAYLOAD) {
    notices.push({ id: randomUUID(), events: events.slice(start, start + EVENTS_PER_PAYLOAD), replyTo });
  }
  return notices;
}

/** Reads a payload back; undefined when it is not one of ours (then the caller must not trust its memory). */
export function decodeRevocationNotice(payload: string): RevocationNotice | undefined {
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
