/**
 * One revocation as the feed sends it: the same objects Tessera's processes send each other over NOTIFY
 * (server/auth/revocation-events.ts). `until` is when the entry stops mattering, in milliseconds since the epoch.
 */
export type RevocationEvent =
  | { type: 'token'; jti: string; until: number }
  | { type: 'session'; sessionId: string; until: number }
  | { type: 'user'; userId: string; version: number }
  | { type: 'user-deleted'; userId: string; until: number };

/**
 * Checks one event's shape by hand (no schema library in this entry). Undefined for anything else: the caller then
 * cannot prove its state current and must start again from a snapshot.
 */
export function readRevocationEvent(value: unknown): RevocationEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as Record<string, unknown>;
  const text = (key: string) => typeof event[key] === 'string';
  const number = (key: string) => typeof event[key] === 'number' && Number.isFinite(event[key]);
  switch (event.type) {
    case 'token':
      return text('jti') && number('until') ? (event as RevocationEvent) : undefined;
    case 'session':
      return text('sessionId') && number('until') ? (event as RevocationEvent) : undefined;
    case 'user':
      return text('userId') && Number.isInteger(event.version) && (event.version as number) >= 0
        ? (event as RevocationEvent)
        : undefined;
    case 'user-deleted':
      return text('userId') && number('until') ? (event as RevocationEvent) : undefined;
    default:
      return undefined;
  }
}

/** Reads a list of events (a snapshot's `revocations` or a notice's `events`); undefined if any is malformed. */
export function readRevocationEvents(value: unknown): RevocationEvent[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const events = value.map(readRevocationEvent);
  return events.every((event) => event !== undefined) ? (events as RevocationEvent[]) : undefined;
}
