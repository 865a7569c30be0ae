import type { Kysely } from 'kysely';

import type { Database, Role } from '../db/database.js';
import { deleteSecondFactors } from '../db/mfa.repository.js';
import { deletePasskeys } from '../db/passkey.repository.js';
import { revokeSessions } from '../db/session.repository.js';
import {
  disableUser,
  enableUser,
  findLastLoginAt,
  findUserById,
  findUserByUsername,
  findUsersPage,
  lockUser,
  raiseTokenVersion,
  type UserPage,
} from '../db/user.repository.js';
import { sessionRevoked, userChanged, userVersionRaised } from '../auth/revocation-events.js';
import type { RevocationSink } from '../auth/revoking.js';
import { actorOf, type Actor } from '../events/auth-event.js';
import { createAuthEventLog, type AuthEventLog } from '../events/auth-event-log.js';
import { inUnitOfWork } from '../events/unit-of-work.js';
import { checkNewAccount, createAccount } from './account-creation.js';
import type { UserCache } from './user-cache.js';
import { deleteUserRevoking } from './user-deletion.js';
import { isUuid } from './user-input.js';
import { toUser, type User } from './user.js';

/** A user named by id (the API) or by username (the CLI). */
export type UserReference = { id: string } | { username: string };

export interface UserService {
  /** From this process's user cache when it is provably current; its `lastLoginAt` may then be left out. */
  findById(id: string): User | null | Promise<User | null>;
  /** Read from the database every time: it changes at every login (the user cache leaves it out). */
  lastLoginAt(id: string): Promise<Date | null>;
  /** A page of users by username (without regard to case), optionally only those whose username or email matches. */
  list(page: UserPage): Promise<User[]>;
  /**
   * Creates an account with this role, checked as `register` checks one (`ValidationError`, `UsernameTakenError`,
   * `EmailTakenError`); its email counts as verified. Opens no session: the operator's way to make the first admin.
   */
  create(input: { username: string; email?: string | null; password: string }, role: Role, by?: Actor): Promise<User>;
  /**
   * Changes a user's role and raises their token version: every access token minted before stops working at once
   * (TOKEN_STALE), so a revoked admin role is gone on the next request rather than at expiry.
   */
  setRole(user: UserReference, role: Role, by?: Actor): Promise<User | null>;
  /**
   * Disables a user (no login, no refresh, every token refused on every process before this answers), or enables
   * them again (they log in anew: no session comes back). Null when there is no such user.
   */
  setDisabled(user: UserReference, disabled: boolean, by?: Actor): Promise<User | null>;
  /**
   * For a lost authenticator: removes every second factor and recovery code of a user and ends every session (each
   * process refuses their access tokens before this answers), passkeys included. They log in with their password alone and may set up a
   * new authenticator. Null when there is no such user.
   */
  resetMfa(user: UserReference, by?: Actor): Promise<User | null>;
  /**
   * Deletes a user with their sessions and tokens; answers once every process refuses their tokens. False when there
   * is no such user.
   */
  delete(user: UserReference, by?: Actor): Promise<boolean>;
}

/**
 * `by` names the admin who made a change; without it, the change is the operator's (the CLI). Without `events`, the
 * changes are still written to the audit trail, and told to no listener (no metrics, no log line).
 */
export function createUserService(deps: {
  db: Kysely<Database>;
  revocations: RevocationSink;
  events?: AuthEventLog;
  /** This process's users in memory (`createUserCache`); without it (the CLI) every read is a query. */
  cache?: UserCache;
}): UserService {
  const { db, cache } = deps;
  const changes = { ...deps, events: deps.events ?? createAuthEventLog({ db }) };
  const loadUser = async (id: string): Promise<User | null> => {
    const row = await findUserById(db, id);
    return row ? toUser(row) : null;
  };

  async function idOf(user: UserReference): Promise<string | undefined> {
    const id = 'id' in user ? user.id : (await findUserByUsername(db, user.username))?.id;
    return id !== undefined && isUuid(id) ? id : undefined;
  }

  return {
    // Not async: a user from the cache is answered without a promise.
    findById(id) {
      if (!isUuid(id)) return null;
      return cache ? cache.read(id, loadUser) : loadUser(id);
    },

    async lastLoginAt(id) {
      return isUuid(id) ? ((await findLastLoginAt(db, id)) ?? null) : null;
    },

    async list(page) {
      return (await findUsersPage(db, page)).map(toUser);
    },

    async create(input, role, by) {
      // The operator vouches for the address they type: no verification mail, and REQUIRE_VERIFIED_EMAIL lets it in.
      return createAccount(changes, checkNewAccount(input), { role, emailVerified: true, event: actorOf(by) });
    },

    async setRole(user, role, by) {
      const id = await idOf(user);
      if (id === undefined) return null;
      const row = await inUnitOfWork(changes, async (trx, unit) => {
        const updated = await raiseTokenVersion(trx, id, { role });
        if (!updated) return undefined;
        // The raised version is also what tells every process's user cache to drop the old role.
        unit.revoke(userVersionRaised(updated));
        const { client, detail } = actorOf(by);
        unit.record({ type: 'ROLE_CHANGED', userId: id, client, detail: { ...detail, role } });
        return updated;
      });
      return row ? toUser(row) : null;
    },

    async setDisabled(user, disabled, by) {
      const id = await idOf(user);
      if (id === undefined) return null;
      const row = await inUnitOfWork(changes, async (trx, unit) => {
        // The user's row first, then their sessions, as every writer of several sessions does (no deadlock).
        if (!(await lockUser(trx, id))) return undefined;
        // Disabling does two things, each for a reason. Every session ends, so every access token is TOKEN_REVOKED
        // (the client logs out rather than trying to refresh) and every refresh token is dead: enabling later brings
        // none of them back. The token version goes up, so a login whose password check read the row just before
        // this commits, and opens its session just after, gets a token that is already TOKEN_STALE, and a refresh
        // that is refused (the user is disabled). Enabling ends any such session too, so it never comes back either.
        const ended = await revokeSessions(trx, { userId: id }, 'ACCOUNT_DISABLED');
        unit.revoke(...ended.map(sessionRevoked));
        unit.record({ type: disabled ? 'ACCOUNT_DISABLED' : 'ACCOUNT_ENABLED', userId: id, ...actorOf(by) });
        // Enabling raises no version: this is what tells every process's user cache of the flag, either way.
        unit.revoke(userChanged(id));
        if (!disabled) return enableUser(trx, id);
        const updated = await disableUser(trx, id);
        if (updated) unit.revoke(userVersionRaised(updated));
        return updated;
      });
      return row ? toUser(row) : null;
    },

    async resetMfa(user, by) {
      const id = await idOf(user);
      if (id === undefined) return null;
      const row = await inUnitOfWork(changes, async (trx, unit) => {
        // The user's row first, then their factors and sessions, as every writer of several sessions does.
        if (!(await lockUser(trx, id))) return undefined;
        const factors = (await deleteSecondFactors(trx, id)) + (await deletePasskeys(trx, id));
        const ended = await revokeSessions(trx, { userId: id }, 'MFA_RESET');
        unit.revoke(...ended.map(sessionRevoked));
        const { client, detail } = actorOf(by);
        unit.record({ type: 'MFA_RESET', userId: id, client, detail: { ...detail, count: factors } });
        return findUserById(trx, id);
      });
      return row ? toUser(row) : null;
    },

    async delete(user, by) {
      const id = await idOf(user);
      if (id === undefined) return false;
      return inUnitOfWork(changes, async (trx, unit) => {
        const deleted = await deleteUserRevoking(trx, unit, id);
        if (deleted) unit.record({ type: 'ACCOUNT_DELETED', userId: id, ...actorOf(by) });
        return deleted;
      });
    },
  };
}
