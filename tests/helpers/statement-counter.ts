import pg from 'pg';

/** What went to Postgres while counting: every statement, and the round trips they took. */
export interface StatementCount {
  readonly statements: number;
  /**
   * Statements sent while none was in flight: those sent beside another (in parallel) share its round trip, so this
   * is the number of waits one after another.
   */
  readonly roundTrips: number;
  readonly texts: readonly string[];
}

/**
 * Counts every statement any pg client of this process sends (Kysely's and the rate limiter's, which uses the pool
 * directly), until `stop`. Only one count at a time. The revocation channel's own NOTIFYs (its heartbeat, on a
 * timer) are not counted: they belong to no request.
 */
export function countStatements(): { stop(): StatementCount } {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  const texts: string[] = [];
  let inFlight = 0;
  let roundTrips = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const text = typeof first === 'string' ? first : (first?.text ?? String(first));
    if (/^\s*select pg_notify\(/i.test(text)) return original.apply(this, args);
    texts.push(text);
    if (inFlight === 0) roundTrips++;
    inFlight++;
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (...results: unknown[]) => unknown;
      args[last] = (...results: unknown[]) => {
        finish();
        return callback(...results);
      };
    }
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(finish, finish);
    }
    return result;
  };
  return {
    stop() {
      prototype.query = original;
      return { statements: texts.length, roundTrips, texts };
    },
  };
}
