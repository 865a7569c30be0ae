import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

import type { Config, RateLimit } from '../config.js';
import type { DatabaseConnection } from '../db/connect.js';
import { RateLimitedError } from '../errors.js';

export type LimitedAction = 'login' | 'register' | 'refreshToken' | 'changePassword';

/**
 * Limits on guessing (rate-limiter-flexible): each attempt at a limited mutation costs a point per account and per
 * client address, so aliases or parallel requests buy no extra guesses. Counted in Postgres when Tessera runs on
 * Postgres (several processes must share the count), in memory on embedded PGlite (one process).
 */
export interface RateLimits {
  /** Spends one attempt; throws `RateLimitedError` when the account or the address is over its limit. */
  attempt(action: LimitedAction, keys: { account?: string; address: string | null }): Promise<void>;
}

export function createRateLimits(
  config: Pick<Config, 'rateLimits'>,
  connection: Pick<DatabaseConnection, 'pgPool'>,
): RateLimits {
  // rate-limiter-flexible speaks to pg directly: it shares the app's pool.
  const pool = connection.pgPool;
  const limiter = (name: string, limit: RateLimit): RateLimiterAbstract => {
    const options = { keyPrefix: name, points: limit.points, duration: limit.durationSeconds };
    return pool
      ? new RateLimiterPostgres({
          ...options,
          storeClient: pool,
          storeType: 'pool',
          tableName: 'rate_limits',
          tableCreated: true,
        })
      : new RateLimiterMemory(options);
  };
  const perAccount = limiter('account', config.rateLimits.perAccount);
  const perAddress = limiter('address', config.rateLimits.perAddress);

  return {
    async attempt(action, { account, address }) {
      const waits = await Promise.all([
        account === undefined ? 0 : spend(perAccount, `${action}:${account}`),
        address === null ? 0 : spend(perAddress, `${action}:${address}`),
      ]);
      const retryAfter = Math.max(...waits);
      if (retryAfter > 0) throw new RateLimitedError(retryAfter);
    },
  };
}

/** Any HTTP request, per client address, per process, in memory: a flood is refused before it costs anything. */
export function createRequestLimiter(limit: RateLimit) {
  const bucket = new RateLimiterMemory({
    keyPrefix: 'requests',
    points: limit.points,
    duration: limit.durationSeconds,
  });
  /** Seconds to wait, or 0 when the request may proceed. */
  return (address: string): Promise<number> => spend(bucket, address);
}

/** Spends a point of `key`: 0 when there was one, else the seconds until there is. */
async function spend(bucket: RateLimiterAbstract, key: string): Promise<number> {
  try {
    await bucket.consume(key);
    return 0;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw rejection; // the store failed: an unexpected error, masked for the client
  }
}
