import type { Kysely } from 'kysely';

import { tombstoneRevocation } from '../auth/revocation-events.js';
import type { Database } from '../db/database.js';
import { deleteUserLeavingTombstone } from '../db/user.repository.js';
import type { UnitOfWork } from '../events/unit-of-work.js';

/**
 * Deletes a user inside a unit of work (`inUnitOfWork`), with their sessions and tokens. The delete triggers already
 * NOTIFY every process, but nobody waits for a trigger's notice; recording the user's tombstone as a revocation of
 * this unit sends it again with a reply address, so the caller is answered only once every process refuses the
 * user's tokens. False when no user has this id.
 */
export async function deleteUserRevoking(trx: Kysely<Database>, unit: UnitOfWork, userId: string): Promise<boolean> {
  const tombstone = await deleteUserLeavingTombstone(trx, userId);
  if (!tombstone) return false;
  unit.revoke(tombstoneRevocation(tombstone));
  return true;
}
