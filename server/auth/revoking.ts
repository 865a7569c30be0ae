import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { notifyRevocations } from '../db/revocation.repository.js';
import { toRevocationNotices, type RevocationEvent, type RevocationNotice } from './revocation-events.js';
import type { Revocations } from './revocation.js';

/** Where committed revocations go in this process (the CLI, with no state of its own, passes a no-op). */
export type RevocationSink = Pick<Revocations, 'apply' | 'awaitDelivery' | 'replyTo'>;

export const noRevocationSink: RevocationSink = { apply: () => {}, awaitDelivery: async () => {} };

/**
 * Runs `work` in a transaction; the revocations it records are sent to every process (NOTIFY, delivered on commit)
 * and applied to this process's memory once committed, so the very next request, here or elsewhere, is refused.
 */
export async function inRevokingTransaction<T>(
  db: Kysely<Database>,
  sink: RevocationSink,
  work: (trx: Kysely<Database>, revoked: RevocationEvent[]) => Promise<T>,
): Promise<T> {
  const revoked: RevocationEvent[] = [];
  let notices: RevocationNotice[] = [];
  const result = await db.transaction().execute(async (trx) => {
    const value = await work(trx, revoked);
    notices = toRevocationNotices(revoked, sink.replyTo);
    await notifyRevocations(trx, notices);
    return value;
  });
  sink.apply(revoked);
  // Every process connected acknowledges the notices once applied (or the trust window runs out, after which none
  // trusts a memory without them): the client's next request is refused wherever it lands.
  await sink.awaitDelivery(notices.map((notice) => notice.id));
  return result;
}
