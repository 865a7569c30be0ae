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
  | { type: 'user'; userId: string; version: number };

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

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('token'), jti: z.string(), until: z.number() }),
  z.object({ type: z.literal('session'), sessionId: z.string(), until: z.number() }),
  z.object({ type: z.literal('user'), userId: z.string(), version: z.number().int().nonnegative() }),
]);
const payloadSchema = z.object({ id: z.string(), events: z.array(eventSchema) });

/** One NOTIFY: a batch of events with an id, so the sender can tell when its own notification has come back. */
export interface RevocationNotice {
  readonly id: string;
  readonly events: RevocationEvent[];
}

// NOTIFY payloads must stay under 8000 bytes; events are a little over 100 bytes each.
const EVENTS_PER_PAYLOAD = 50;

/** Splits events into notices, each small enough for one NOTIFY payload. */
export function toRevocationNotices(events: readonly RevocationEvent[]): RevocationNotice[] {
  const notices: RevocationNotice[] = [];
  for (let start = 0; start < events.length; start += EVENTS_PER_PAYLOAD) {
    notices.push({ id: randomUUID(), events: events.slice(start, start + EVENTS_PER_PAYLOAD) });
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
