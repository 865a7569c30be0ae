import { systemClock, type Clock } from '../clock.js';
import { RateLimitedError } from '../errors.js';
import { addressKey } from '../security/address-key.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { ServiceAuthenticator, ServiceIdentity } from './service-credentials.js';

export type ServiceAuthResult =
  | { readonly ok: true; readonly service: ServiceIdentity }
  | { readonly ok: false; readonly retryAfterSeconds?: number };

/** Addresses remembered as refused; past this, expired ones are swept and then the oldest forgotten. */
const MAX_REFUSED_ADDRESSES = 10_000;

/**
 * Service authentication with guessing limited per client address: each failure spends a point of RATE_LIMIT_ADDRESS
 * (`serviceAuth`); once an address is over it, every request from it is refused until the window ends, the right
 * secret included, so a guess that happens to be right tells the guesser nothing. Successes spend nothing: a
 * verifier introspecting every token while its feed is down must never be slowed by its own traffic.
 *
 * The count lives in `RateLimits` (shared by every process on Postgres); which addresses it has refused is remembered
 * here, per process, because `RateLimits` can spend a point but not look at the count without spending one.
 */
export function createServiceAuthGuard(options: {
  authenticator: ServiceAuthenticator;
  rateLimits: Pick<RateLimits, 'attempt'>;
  ipv6PrefixLength: number;
  clock?: Clock;
}) {
  const { authenticator, rateLimits, ipv6PrefixLength, clock = systemClock } = options;
  const refusedUntil = new Map<string, number>();

  const remember = (key: string, until: number) => {
    if (refusedUntil.size >= MAX_REFUSED_ADDRESSES) {
      const now = clock.now();
      for (const [address, end] of refusedUntil) if (end <= now) refusedUntil.delete(address);
      const oldest = refusedUntil.keys().next();
      if (refusedUntil.size >= MAX_REFUSED_ADDRESSES && !oldest.done) refusedUntil.delete(oldest.value);
    }
    refusedUntil.set(key, until);
  };

  return {
    /** `address` is the client's (null for in-process requests, which are not limited). */
    async check(request: Request, address: string | null): Promise<ServiceAuthResult> {
      const key = address === null ? null : addressKey(address, ipv6PrefixLength);
      const until = key === null ? undefined : refusedUntil.get(key);
      if (until !== undefined) {
        const waitMs = until - clock.now();
        if (waitMs > 0) return { ok: false, retryAfterSeconds: Math.ceil(waitMs / 1000) };
        refusedUntil.delete(key!);
      }
      const service = await authenticator.authenticate(request);
      if (service) return { ok: true, service };
      if (address === null || key === null) return { ok: false };
      try {
        await rateLimits.attempt('serviceAuth', { address });
        return { ok: false };
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        remember(key, clock.now() + error.retryAfterSeconds * 1000);
        return { ok: false, retryAfterSeconds: error.retryAfterSeconds };
      }
    },
  };
}

export type ServiceAuthGuard = ReturnType<typeof createServiceAuthGuard>;
