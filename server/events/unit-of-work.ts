import type { Kysely } from 'kysely';

import { toRevocationNotices, type RevocationEvent, type RevocationNotice } from '../auth/revocation-events.js';
import type { RevocationSink } from '../auth/revoking.js';
import { insertAuthEvents } from '../db/auth-event.repository.js';
import type { Database } from '../db/database.js';
import { notifyRevocations } from '../db/revocation.repository.js';
import type { AuthEvent, RecordedAuthEvent } from './auth-event.js';
import type { AuthEventLog } from './auth-event-log.js';

/** What a change records as it runs: it all commits with the change, or none of it does. */
export interface UnitOfWork {
  /** Revocations the change makes: NOTIFYed with the commit, applied here after it, acknowledged everywhere. */
  revoke(...events: RevocationEvent[]): void;
  /** Auth events that tell of the change: written to the audit trail in its transaction, published after commit. */
  record(...events: AuthEvent[]): void;
}

export interface UnitOfWorkDependencies {
  readonly db: Kysely<Database>;
  readonly revocations: RevocationSink;
  readonly events: AuthEventLog;
}

let commitObserver: ((committedAt: number) => void) | undefined;

/**
 * Calls `observer` with the time (epoch milliseconds, sub-millisecond precision: `performance.timeOrigin + now()`)
 * each unit of work of this process commits, before its revocations are applied or delivered. For the benchmark,
 * which measures propagation from the commit; unset in production, where it costs one check per commit.
 */
export function observeCommits(observer: ((committedAt: number) => void) | undefined): void {
  commitObserver = observer;
}

/**
 * Runs `work` in a transaction. On commit: the revocations it recorded reach every process (and this one's memory)
 * before this returns, so the very next request is refused wherever it lands; its auth events are in the audit trail
 * and go out to metrics and logs. On rollback, none of it happened.
 */
export async function inUnitOfWork<T>(
  { db, revocations, events }: UnitOfWorkDependencies,
  work: (trx: Kysely<Database>, unit: UnitOfWork) => Promise<T>,
): Promise<T> {
  let revoked: RevocationEvent[] = [];
  let notices: RevocationNotice[] = [];
  let recorded: RecordedAuthEvent[] = [];
  const result = await db.transaction().execute(async (trx) => {
    // A retried transaction starts over: nothing from a rolled-back attempt is kept.
    revoked = [];
    const told: AuthEvent[] = [];
    const value = await work(trx, {
      revoke: (...more) => revoked.push(...more),
      record: (...more) => told.push(...more),
    });
    notices = toRevocationNotices(revoked, revocations.replyTo);
    await notifyRevocations(trx, notices);
    recorded = events.stamp(told);
    await insertAuthEvents(trx, recorded);
    return value;
  });
  commitObserver?.(performance.timeOrigin + performance.now());
  revocations.apply(revoked);
  events.publish(recorded);
  // Every process connected acknowledges the notices once applied (or the trust window runs out, after which none
  // trusts a memory without them): the client's next request is refused wherever it lands.
  await revocations.awaitDelivery(notices.map((notice) => notice.id));
  return result;
}
