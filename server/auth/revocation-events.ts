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

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('token'), jti: z.string(), until: z.number() }),
  z.object({ type: z.literal('session'), sessionId: z.string(), until: z.number() }),
  z.object({ type: z.literal('user'), userId: z.string(), version: z.number().int().nonnegative() }),
]);
const payloadSchema = z.array(eventSchema);

// NOTIFY payloads must stay under 8000 bytes; events are a little over 100 bytes each.
const EVENTS_PER_PAYLOAD = 50;

/** Splits events into NOTIFY payloads. */
export function encodeRevocationEvents(events: readonly RevocationEvent[]): string[] {
  const payloads: string[] = [];
  for (let start = 0; start < events.length; start += EVENTS_PER_PAYLOAD) {
    payloads.push(JSON.stringify(events.slice(start, start + EVENTS_PER_PAYLOAD)));
  }
  return payloads;
}

/** Reads a payload back; undefined when it is not one of ours (then the caller must not trust its memory). */
export function decodeRevocationEvents(payload: string): RevocationEvent[] | undefined {
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
