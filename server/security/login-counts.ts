import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import {
  admitLoginAttempt,
  forgiveLoginAttempt,
  returnPoint,
  type RateLimitCount,
} from '../db/rate-limit.repository.js';

/**
 * The counts a login reads and spends (see `RateLimits.login`), in as few round trips as the store allows: on
 * Postgres one statement to admit, one to forgive; in memory, the library's own calls.
 */
export interface LoginCounts {
  /**
   * Spends a point of the address (when known) and, unless that takes it over its limit, of the pair; reads the
   * account's failures. `pair` is null when the address refused.
   */
  admit(keys: { address: string | null; pair: string; account: string }): Promise<{
    address: RateLimitCount | null;
    pair: RateLimitCount | null;
    account: RateLimitCount | null;
  }>;
  /** The pair's point back: an attempt refused before any check is no failure. */
  giveBack(pair: string): Promise<void>;
  /** A success: the pair's failures forgotten, the address's point given back. */
  forgive(keys: { pair: string; address: string | null }): Promise<void>;
  /** A failure: a point of the account's budget. */
  fail(account: string): Promise<void>;
}

export interface LoginLimiters {
  readonly loginFailures: RateLimiterAbstract;
  readonly perAccount: RateLimiterAbstract;
  readonly perAddress: RateLimiterAbstract;
}

/** Through rate-limiter-flexible's own calls (memory, on PGlite): several, but none leaves the process. */
export function libraryLoginCounts({ loginFailures, perAccount, perAddress }: LoginLimiters): LoginCounts {
  return {
    async admit({ address, pair, account }) {
      const spentAddress = address === null ? null : await spend(perAddress, address);
      if (spentAddress !== null && spentAddress.points > perAddress.points) {
        return { address: spentAddress, pair: null, account: null };
      }
      const [spentPair, failures] = await Promise.all([spend(loginFailures, pair), perAccount.get(account)]);
      return { address: spentAddress, pair: spentPair, account: failures && countOf(failures) };
    },
    async giveBack(pair) {
      await loginFailures.reward(pair);
    },
    async forgive({ pair, address }) {
      await Promise.all([loginFailures.delete(pair), address === null ? null : perAddress.reward(address)]);
    },
    async fail(account) {
      await perAccount.penalty(account);
    },
  };
}

/**
 * In `rate_limits` with statements of its own, on the rows rate-limiter-flexible keeps for the same limiters: a login
 * costs one round trip to admit and one to forgive, instead of two and two.
 */
export function postgresLoginCounts(db: Kysely<Database>, limiters: LoginLimiters): LoginCounts {
  const { loginFailures, perAccount, perAddress } = limiters;
  const library = libraryLoginCounts(limiters);
  return {
    admit: ({ address, pair, account }) =>
      admitLoginAttempt(db, {
        address: address === null ? null : { key: perAddress.getKey(address), durationMs: perAddress.duration * 1000 },
        addressLimit: perAddress.points,
        pair: { key: loginFailures.getKey(pair), durationMs: loginFailures.duration * 1000 },
        account: perAccount.getKey(account),
      }),
    giveBack: (pair) => returnPoint(db, loginFailures.getKey(pair)),
    forgive: ({ pair, address }) =>
      forgiveLoginAttempt(db, {
        pair: loginFailures.getKey(pair),
        address: address === null ? null : perAddress.getKey(address),
      }),
    fail: library.fail,
  };
}

async function spend(bucket: RateLimiterAbstract, key: string): Promise<RateLimitCount> {
  try {
    return countOf(await bucket.consume(key));
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return countOf(rejection);
    throw rejection; // the store failed: an unexpected error, masked for the client
  }
}

function countOf(res: RateLimiterRes): RateLimitCount {
  return { points: res.consumedPoints, msBeforeNext: res.msBeforeNext };
}
