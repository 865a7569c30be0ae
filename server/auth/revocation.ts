import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { findTokenStanding } from '../db/revoked-token.repository.js';
import type { AccessTokenClaims } from './access-tokens.js';
import type { AuthFailureReason } from './auth-failure.js';
import type { RevocationEvent } from './revocation-events.js';
import type { RevocationState } from './revocation-state.js';

/**
 * Answers whether a verified access token has been taken back: its `jti` blacklisted (logout), its session ended
 * (logout, revoked, refresh token reuse), or minted before the user's token version went up (role or password
 * change). Returns the reason, or null when it still stands. A dead session outranks a stale version: a stale token
 * can be refreshed, a revoked one cannot.
 */
export interface RevocationCheck {
  check(claims: AccessTokenClaims): AuthFailureReason | null | Promise<AuthFailureReason | null>;
}

/** How this process checks revocations: `memory` (trusted in-memory state), or the database on every request. */
export type RevocationStatus = 'memory' | 'database-fallback' | 'database';

/** The revocation check of a process, plus what the services that revoke need. */
export interface Revocations extends RevocationCheck {
  /** Applies revocations this process has just committed, without waiting for their notification. */
  apply(events: readonly RevocationEvent[]): void;
  /**
   * Resolves when every process with a listener connected (this one included) has acknowledged these notices, or
   * when the trust window has passed (then every process holds them or checks the database).
   */
  awaitDelivery(noticeIds: readonly string[]): Promise<void>;
  /** The channel other processes acknowledge this process's notices on (memory mode on Postgres). */
  readonly replyTo?: string;
  status(): RevocationStatus;
  /** In memory mode, how long ago the latest heartbeat the listener heard back was sent. */
  listenerEchoAgeMs?(): number | undefined;
  /** In memory mode, whether the listener's connection is up (PGlite: always, delivery is in process). */
  listenerConnected?(): boolean;
  /** In memory mode, how many checks the database has answered since start because memory was not trusted. */
  databaseFallbackChecks?(): number;
  /**
   * In memory mode, calls `listener` with each batch of events once this process has applied it: its own commits
   * (`apply`), other processes' notices, and what a reload after a lost listener found. Returns the unsubscribe.
   */
  subscribe?(listener: RevocationListener): () => void;
  /**
   * In memory mode, a number that changes whenever memory may have missed a notice (the listener dropped, or a
   * notice could not be read) and was loaded again. What is kept in step by the channel alone, holding nothing in
   * the database to reload from (the user cache), must forget everything when it changes.
   */
  memoryEpoch?(): number;
  /** The in-memory state, when there is one. */
  readonly state?: RevocationState;
  close(): Promise<void>;
}

/** Told of revocations as they are applied (see `Revocations.subscribe`); must not throw, and must not block. */
export type RevocationListener = (events: readonly RevocationEvent[]) => void;

/** Asks the database on every request: one round trip that reads the user's version and the blacklist together. */
export function createDatabaseRevocationCheck(db: Kysely<Database>): RevocationCheck {
  return {
    async check(claims) {
      const standing = await findTokenStanding(db, claims);
      // A deleted user is a revocation, as in memory mode; a user that never existed, a forgery.
      if (standing.user_deleted) return 'TOKEN_REVOKED';
      if (standing.token_version === null) return 'TOKEN_INVALID';
      if (standing.revoked || standing.session_ended) return 'TOKEN_REVOKED';
      if (claims.tokenVersion < standing.token_version) return 'TOKEN_STALE';
      return null;
    },
  };
}

/** REVOCATION_CHECK=database: the naive check-per-request path, kept as a fallback and as the benchmark's baseline. */
export function databaseRevocations(db: Kysely<Database>): Revocations {
  const check = createDatabaseRevocationCheck(db);
  return {
    check: (claims) => check.check(claims),
    apply: () => {},
    awaitDelivery: async () => {},
    status: () => 'database',
    close: async () => {},
  };
}
