import { RateLimitedError } from '../errors.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { AuthEventLog } from './auth-event-log.js';

/** A flood must not become a flood of audit rows: one `RATE_LIMITED` per action and address per this long. */
const RECORD_EVERY_MS = 60_000;
const REMEMBERED_KEYS = 10_000;

/**
 * The rate limits, telling the event log of each refusal (`RATE_LIMITED`, with the action as its reason). Metrics
 * count every one; the audit trail keeps the first per action and address each minute.
 */
export function reportingRefusals(limits: RateLimits, events: AuthEventLog): RateLimits {
  const lastRecorded = new Map<string, number>();

  async function refused<T>(action: string, address: string | null, attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof RateLimitedError) {
        const key = `${action} ${address ?? ''}`;
        const now = Date.now();
        if (now - (lastRecorded.get(key) ?? 0) >= RECORD_EVERY_MS) {
          if (lastRecorded.size >= REMEMBERED_KEYS) lastRecorded.clear();
          lastRecorded.set(key, now);
          await events.record({
            type: 'RATE_LIMITED',
            client: { ip: address, userAgent: null },
            detail: { reason: action },
          });
        } else events.publish(events.stamp([{ type: 'RATE_LIMITED', detail: { reason: action } }]));
      }
      throw error;
    }
  }

  return {
    attempt: (action, keys) => refused(action, keys.address, () => limits.attempt(action, keys)),
    login: (keys) => refused('login', keys.address, () => limits.login(keys)),
    mail: (action, keys) => refused(action, keys.address, () => limits.mail(action, keys)),
  };
}
