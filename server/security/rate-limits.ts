import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

import type { Pool, QueryConfig } from 'pg';

import type { Config, RateLimit } from '../config.js';
import type { DatabaseConnection } from '../db/connect.js';
import { RateLimitedError } from '../errors.js';
import { addressKey } from './address-key.js';
import { libraryLoginCounts, postgresLoginCounts } from './login-counts.js';

/** The mutations other than `login`: each attempt costs a point of the address and, when given, of the account. */
export type LimitedAction =
  | 'register'
  | 'refreshToken'
  | 'changePassword'
  | 'deleteAccount'
  | 'changeEmail'
  | 'verifyEmail'
  | 'resetPassword'
  | 'verifyMfa'
  | 'manageMfa'
  | 'loginWithPasskey'
  | 'passkeyOptions'
  | 'managePasskeys'
  /** Failed service credentials (HTTP Basic), per address only: see `services/service-auth-guard.ts`. */
  | 'serviceAuth';

/** The mutations that send a mail: each is also counted per recipient (RATE_LIMIT_MAIL). */
export type MailAction = 'requestEmailVerification' | 'requestPasswordReset' | 'changeEmail';

/**
 * Limits on guessing (rate-limiter-flexible), after its "login endpoint protection" example and OWASP's advice.
 * Counted in Postgres when Tessera runs on Postgres (several processes must share the count), in memory on embedded
 * PGlite (one process). Addresses are counted by `addressKey`: IPv6 by network (RATE_LIMIT_IPV6_PREFIX).
 */
export interface RateLimits {
  /**
   * Spends one attempt: first of the address (a request it refuses spends nothing else), then of the account.
   * Throws `RateLimitedError` when either is over its limit.
   */
  attempt(action: LimitedAction, keys: { account?: string; address: string | null }): Promise<void>;
  /**
   * Admits one login attempt, or throws `RateLimitedError`. The caller must report how it ended: a failure costs the
   * account a point of its budget, a success forgets the failures of this account and address.
   */
  login(keys: { account: string; address: string | null }): Promise<LoginAttempt>;
  /**
   * Spends one mail: of the address first, then of the recipient (an email address, counted without regard to case,
   * whether or not an account has it, so the limit tells nothing). Throws `RateLimitedError`.
   */
  mail(action: MailAction, keys: { recipient: string; address: string | null }): Promise<void>;
}

export interface LoginAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

/** Longer usernames cannot exist (USERNAME_MAX_LENGTH), and keys must fit the table's varchar(255). */
const ACCOUNT_KEY_LENGTH = 150;

export function createRateLimits(
  config: Pick<Config, 'rateLimits'>,
  connection: Pick<DatabaseConnection, 'pgPool' | 'db'>,
): RateLimits {
  const limits = config.rateLimits;
  // rate-limiter-flexible speaks to pg directly: it shares the app's pool.
  const pool = connection.pgPool && withoutPreparedStatementNames(connection.pgPool);
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
  /** Failed logins of one account and address in a row (a success deletes the count): RATE_LIMIT_LOGIN_FAILURES. */
  const loginFailures = limiter('login-failures', limits.loginFailures);
  /**
   * Failed logins of one account from every address (only ever slows); `changePassword` and `deleteAccount` attempts
   * per user.
   */
  const perAccount = limiter('account', limits.perAccount);
  /** Attempts per address at each action; at `login`, a success gives its point back. */
  const perAddress = limiter('address', limits.perAddress);
  /** Mails per recipient: a mailbox is not flooded, whoever asks. */
  const perRecipient = limiter('mail', limits.mail);
  const limiters = { loginFailures, perAccount, perAddress };
  // On Postgres a login's counts take one statement to admit and one to forgive (not the library's two and two).
  const loginCounts = pool ? postgresLoginCounts(connection.db, limiters) : libraryLoginCounts(limiters);
  const accountOf = (account: string) => account.toLowerCase().slice(0, ACCOUNT_KEY_LENGTH);
  const addressOf = (address: string | null) =>
    address === null ? null : addressKey(address, limits.ipv6PrefixLength);

  return {
    async attempt(action, { account, address }) {
      const from = addressOf(address);
      if (from !== null) await spendOrRefuse(perAddress, `${action}:${from}`);
      if (account !== undefined) await spendOrRefuse(perAccount, `${action}:${accountOf(account)}`);
    },

    async mail(action, { recipient, address }) {
      const from = addressOf(address);
      if (from !== null) await spendOrRefuse(perAddress, `${action}:${from}`);
      await spendOrRefuse(perRecipient, `${action}:${recipient.toLowerCase().slice(0, ACCOUNT_KEY_LENGTH)}`);
    },

    /*
     * Why no one can lock a victim out: the only count that refuses the right password is the victim's own pair
     * (this account from this address), and only failures from that address fill it. The account-wide budget never
     * refuses on its own: once an attack has spent it, an address that has failed on this account since its pair was
     * last cleared waits, while an address with no failures still gets its attempt. So the victim, from any address
     * the attacker does not share, always gets in; the attacker gets one guess per fresh address per window.
     */
    async login({ account, address }) {
      const from = addressOf(address);
      // Without a known address (no socket: only in-process requests), every such client shares one pair.
      const pair = `${from ?? 'unknown'} ${accountOf(account)}`;
      const addressBucket = from === null ? null : `login:${from}`;
      // The address first: an attempt it refuses spends nothing of the account's budget. The pair's point is taken
      // before the password is checked, so parallel requests or aliases cannot all slip in below the limit; a
      // success gives it back by deleting the count.
      const counts = await loginCounts.admit({ address: addressBucket, pair, account: `login:${accountOf(account)}` });
      if (counts.address !== null && counts.address.points > limits.perAddress.points) {
        throw new RateLimitedError(secondsOf(counts.address));
      }
      const attempt = counts.pair!;
      if (attempt.points > limits.loginFailures.points) throw new RateLimitedError(secondsOf(attempt));
      const accountFailures = counts.account;
      const underAttack = accountFailures !== null && accountFailures.points >= limits.perAccount.points;
      if (underAttack && attempt.points > 1) {
        await loginCounts.giveBack(pair); // refused before any check: not a failure
        throw new RateLimitedError(Math.min(secondsOf(attempt), secondsOf(accountFailures)));
      }
      return {
        succeeded: () => loginCounts.forgive({ pair, address: addressBucket }),
        failed: () => loginCounts.fail(`login:${accountOf(account)}`),
      };
    },
  };
}

/**
 * The pool as rate-limiter-flexible uses it, minus the names it gives its queries. A named query is a prepared
 * statement kept by the server connection; through a transaction pooler (PgBouncer) the next client on that
 * connection fails with "prepared statement … already exists". Unnamed, each is parsed again: a few microseconds.
 */
function withoutPreparedStatementNames(pool: Pool): Pick<Pool, 'query'> {
  return {
    query: ((config: unknown, values?: unknown) =>
      typeof config === 'object' && config !== null && 'name' in config
        ? pool.query({ ...(config as QueryConfig), name: undefined }, values as unknown[])
        : pool.query(config as string, values as unknown[])) as Pool['query'],
  };
}

/** Any HTTP request, per client address, per process, in memory: a flood is refused before it costs anything. */
export function createRequestLimiter(limit: RateLimit, ipv6PrefixLength: number) {
  const bucket = new RateLimiterMemory({
    keyPrefix: 'requests',
    points: limit.points,
    duration: limit.durationSeconds,
  });
  /** Seconds to wait, or 0 when the request may proceed. */
  return async (address: string): Promise<number> => {
    const { allowed, res } = await take(bucket, addressKey(address, ipv6PrefixLength));
    return allowed ? 0 : seconds(res);
  };
}

async function spendOrRefuse(bucket: RateLimiterAbstract, key: string): Promise<void> {
  const { allowed, res } = await take(bucket, key);
  if (!allowed) throw new RateLimitedError(seconds(res));
}

/** Spends a point of `key`: the count after it, and whether that is within the limit. */
async function take(bucket: RateLimiterAbstract, key: string): Promise<{ allowed: boolean; res: RateLimiterRes }> {
  try {
    return { allowed: true, res: await bucket.consume(key) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
    throw rejection; // the store failed: an unexpected error, masked for the client
  }
}

/** Whole seconds until the count's window ends, at least 1. */
function seconds(res: RateLimiterRes): number {
  return secondsOf(res);
}

function secondsOf(count: { msBeforeNext: number }): number {
  return Math.max(1, Math.ceil(count.msBeforeNext / 1000));
}
