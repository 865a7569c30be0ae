import { sql, type Kysely } from 'kysely';

import type { Database } from './database.js';

/**
 * A count in `rate_limits`, in rate-limiter-flexible's own row format (`key` is `<keyPrefix>:<key>`, `expire` in
 * epoch milliseconds), so the library and these statements share the rows.
 */
export interface RateLimitCount {
  readonly points: number;
  /** Milliseconds until the count's window ends (0 when it has). */
  readonly msBeforeNext: number;
}

/** A count to spend one point of: its row's key, and the length of a new window. */
export interface CountToSpend {
  readonly key: string;
  readonly durationMs: number;
}

/**
 * A login's admission in one statement (one round trip): spends a point of the address (when known) and, unless that
 * takes the address over `addressLimit`, a point of the pair; reads the account's failures. Counts whose window has
 * ended start again at 1, as the library's own upsert does.
 */
export async function admitLoginAttempt(
  db: Kysely<Database>,
  keys: { address: CountToSpend | null; addressLimit: number; pair: CountToSpend; account: string },
): Promise<{ address: RateLimitCount | null; pair: RateLimitCount | null; account: RateLimitCount | null }> {
  const now = Date.now();
  const spend = (key: string | null, durationMs: number) => sql`
    insert into rate_limits as r (key, points, expire)
    select ${key}::varchar, 1, ${now + durationMs}::bigint where ${key}::varchar is not null
    on conflict (key) do update set
      points = case when r.expire <= ${now} then 1 else r.points + 1 end,
      expire = case when r.expire <= ${now} then ${now + durationMs}::bigint else r.expire end
    returning points, expire`;
  const { rows } = await sql<{
    address_points: number | null;
    address_expire: string | null;
    pair_points: number | null;
    pair_expire: string | null;
    account_points: number | null;
    account_expire: string | null;
  }>`
    with address as (${spend(keys.address?.key ?? null, keys.address?.durationMs ?? 0)}),
    pair as (
      insert into rate_limits as r (key, points, expire)
      select ${keys.pair.key}::varchar, 1, ${now + keys.pair.durationMs}::bigint
      where not exists (select 1 from address where points > ${keys.addressLimit})
      on conflict (key) do update set
        points = case when r.expire <= ${now} then 1 else r.points + 1 end,
        expire = case when r.expire <= ${now} then ${now + keys.pair.durationMs}::bigint else r.expire end
      returning points, expire
    ),
    account as (
      select points, expire from rate_limits where key = ${keys.account} and (expire > ${now} or expire is null)
    )
    select
      (select points from address) as address_points, (select expire from address) as address_expire,
      (select points from pair) as pair_points, (select expire from pair) as pair_expire,
      (select points from account) as account_points, (select expire from account) as account_expire
  `.execute(db);
  const row = rows[0]!;
  const count = (points: number | null, expire: string | null): RateLimitCount | null =>
    points === null ? null : { points, msBeforeNext: expire === null ? -1 : Math.max(Number(expire) - now, 0) };
  return {
    address: count(row.address_points, row.address_expire),
    pair: count(row.pair_points, row.pair_expire),
    account: count(row.account_points, row.account_expire),
  };
}

/** A login that succeeded, in one statement: the pair's failures are forgotten, the address gets its point back. */
export async function forgiveLoginAttempt(
  db: Kysely<Database>,
  keys: { pair: string; address: string | null },
): Promise<void> {
  await sql`
    with forgotten as (delete from rate_limits where key = ${keys.pair})
    update rate_limits set points = points - 1 where key = ${keys.address}::varchar and expire > ${Date.now()}
  `.execute(db);
}

/** Gives back a point of a count (an attempt refused before any check). */
export async function returnPoint(db: Kysely<Database>, key: string): Promise<void> {
  await sql`update rate_limits set points = points - 1 where key = ${key}`.execute(db);
}
