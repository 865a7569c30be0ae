import type { Kysely } from 'kysely';

import type { Database, SessionRow } from '../db/database.js';
import { notifyRevocations } from '../db/revocation.repository.js';
import type { RevocationEvent } from './revocation-events.js';
import type { Revocations } from './revocation.js';

/** Where committed revocations go in this process (the CLI, with no state of its own, passes a no-op). */
export type RevocationSink = Pick<Revocations, 'apply'>;

export const noRevocationSink: RevocationSink = { apply: () => {} };

/**
 * Runs `work` in a transaction; the revocations it records are sent to every process (NOTIFY, delivered on commit)
 * and applied to this process's memory once committed, so the very next request here is refused too.
 */
export async function inRevokingTransaction<T>(
  db: Kysely<Database>,
  sink: RevocationSink,
  work: (trx: Kysely<Database>, revoked: RevocationEvent[]) => Promise<T>,
): Promise<T> {
  const revoked: RevocationEvent[] = [];
  const result = await db.transaction().execute(async (trx) => {
    const value = await work(trx, revoked);
    await notifyRevocations(trx, revoked);
    return value;
  });
  sink.apply(revoked);
  return result;
}

export const sessionRevoked = (session: Pick<SessionRow, 'id' | 'access_expires_at'>): RevocationEvent => ({
  type: 'session',
  sessionId: session.id,
  until: session.access_expires_at.getTime(),
});

export const userVersionRaised = (user: { id: string; token_version: number }): RevocationEvent => ({
  type: 'user',
  userId: user.id,
  version: user.token_version,
});
