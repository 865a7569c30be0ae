import type { Kysely } from 'kysely';

import type { Database, Role } from '../db/database.js';
import { findUserById, findUserByUsername, raiseTokenVersion } from '../db/user.repository.js';
import { userVersionRaised } from '../auth/revocation-events.js';
import { inRevokingTransaction, type RevocationSink } from '../auth/revoking.js';
import { isUuid } from './user-input.js';
import { toUser, type User } from './user.js';

export interface UserService {
  findById(id: string): Promise<User | null>;
  /**
   * Changes a user's role and raises their token version: every access token minted before stops working at once
   * (TOKEN_STALE), so a revoked admin role is gone on the next request rather than at expiry.
   */
  setRole(user: { id: string } | { username: string }, role: Role): Promise<User | null>;
}

export function createUserService(deps: { db: Kysely<Database>; revocations: RevocationSink }): UserService {
  const { db, revocations } = deps;
  return {
    async findById(id) {
      const row = isUuid(id) ? await findUserById(db, id) : undefined;
      return row ? toUser(row) : null;
    },
    async setRole(user, role) {
      const id = 'id' in user ? user.id : (await findUserByUsername(db, user.username))?.id;
      if (id === undefined || !isUuid(id)) return null;
      const row = await inRevokingTransaction(db, revocations, async (trx, revoked) => {
        const updated = await raiseTokenVersion(trx, id, { role });
        if (updated) revoked.push(userVersionRaised(updated));
        return updated;
      });
      return row ? toUser(row) : null;
    },
  };
}
