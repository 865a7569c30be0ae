import { LRUCache } from 'lru-cache';

import type { RevocationEvent } from '../auth/revocation-events.js';
import type { Revocations } from '../auth/revocation.js';
import type { User } from './user.js';

/**
 * The users this process serves, remembered so that an authenticated `me` costs no query. Never the source of
 * truth: an entry is dropped by the notice that tells of a change to its user (`user-changed`, a raised token version,
 * a deletion), which every process applies before the change's request answers, as it does revocations.
 *
 * Only reads go in. The user inside an `AuthPayload` is the row its mutation read or wrote, fresh, and is never put
 * here: a login that read the row just before a change committed must not leave that row behind.
 */
export interface UserCache {
  /**
   * The user from memory when memory is provably current, else from `load` (remembered when that is safe). A user
   * from memory has no `lastLoginAt`: it changes at every login, and is read from the database only when asked.
   */
  read(id: string, load: (id: string) => Promise<User | null>): User | null | Promise<User | null>;
  /** How many users are remembered. */
  readonly size: number;
}

/** What a cache kept in step by the revocation channel needs of the revocations. */
export type UserCacheRevocations = Pick<Revocations, 'status' | 'subscribe' | 'memoryEpoch'>;

/** A read from the database in flight: marked stale when its user changes before it is done. */
interface PendingRead {
  stale: boolean;
}

/**
 * A cache of at most `maxUsers` users (least recently used go first). Off (every read loads) when `maxUsers` is 0 or
 * the revocations keep no memory in step (REVOCATION_CHECK=database).
 */
export function createUserCache({
  maxUsers,
  revocations,
}: {
  maxUsers: number;
  revocations: UserCacheRevocations;
}): UserCache {
  if (maxUsers <= 0 || !revocations.subscribe) return { read: (id, load) => load(id), size: 0 };
  const users = new LRUCache<string, User>({ max: maxUsers });
  // The reads in flight, by user. A change marks them stale, so a read that began before it cannot put the old row
  // back after it: a per-user generation, kept only while someone reads (nothing grows with users that changed).
  const reading = new Map<string, Set<PendingRead>>();
  let epoch = revocations.memoryEpoch?.();

  function forget(userId: string) {
    users.delete(userId);
    for (const read of reading.get(userId) ?? []) read.stale = true;
  }

  function forgetAll() {
    users.clear();
    for (const reads of reading.values()) for (const read of reads) read.stale = true;
  }

  /**
   * Whether memory may be used now. Only while the revocation state is trusted: then every notice committed more than
   * the trust window ago has been applied here. A new epoch means notices may have been lost (the listener dropped):
   * they left nothing in the database to reload, so everything remembered goes.
   */
  function usable(): boolean {
    if (revocations.status() !== 'memory') return false;
    const now = revocations.memoryEpoch?.();
    if (now !== epoch) {
      forgetAll();
      epoch = now;
    }
    return true;
  }

  revocations.subscribe((events: readonly RevocationEvent[]) => {
    for (const event of events) {
      // `user`: the token version went up with a role or password change; `user-deleted`: gone.
      if (event.type === 'user-changed' || event.type === 'user' || event.type === 'user-deleted') {
        forget(event.userId);
      }
    }
  });

  /** A read from the database, remembered unless its user changed (or memory stopped being trusted) meanwhile. */
  async function readThrough(id: string, load: (id: string) => Promise<User | null>): Promise<User | null> {
    const pending: PendingRead = { stale: false };
    let reads = reading.get(id);
    if (!reads) reading.set(id, (reads = new Set()));
    reads.add(pending);
    try {
      const user = await load(id);
      // Checked after the load: a change (or a lost listener) while it ran makes the row it read unprovable.
      if (user && usable() && !pending.stale) users.set(id, withoutLastLogin(user));
      return user;
    } finally {
      reads.delete(pending);
      if (reads.size === 0) reading.delete(id);
    }
  }

  return {
    // A remembered user is answered as it is, without a promise: the resolver's value is then not awaited either.
    read(id, load) {
      if (!usable()) return load(id);
      return users.get(id) ?? readThrough(id, load);
    },
    get size() {
      return users.size;
    },
  };
}

/**
 * `lastLoginAt` is left out of what is remembered: every login changes it, and telling every process of every login
 * would cost the login path a notice and each process an eviction. The `lastLoginAt` field reads it when asked.
 */
function withoutLastLogin(user: User): User {
  const { lastLoginAt: _changesAtEveryLogin, ...kept } = user;
  return kept;
}
