import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { notifyRevocations } from '../db/revocation.repository.js';
import { toRevocationNotices, type RevocationEvent, type RevocationNotice } from './revocation-events.js';
import type { Revocations } from './revocation.js';

/** Where committed revocations go in this process (the CLI, with no state of its own, passes a no-op). */
export type RevocationSink = Pick<Revocations, 'apply' | 'awaitDelivery'>;

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
    notices = toRevocationNotices(revoked);
    await notifyRevocations(trx, notices);
    return value;
  });
  sink.apply(revoked);
  // Postgres hands a notification to every listener at once; once ours has come back, the other processes have
  // theirs, so the client's next request is refused wherever it lands.
  await sink.awaitDelivery(notices.map((notice) => notice.id));
  return result;
}
