import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { findTokenStanding } from '../db/revoked-token.repository.js';
import type { AccessTokenClaims } from './access-tokens.js';
import type { AuthFailureReason } from './auth-failure.js';

/**
 * Answers whether a verified access token has been taken back: its `jti` blacklisted (logout), its session ended
 * (logout, revoked, refresh token reuse), or minted before the user's token version went up (role or password
 * change). Returns the reason, or null when it still stands. A dead session outranks a stale version: a stale token
 * can be refreshed, a revoked one cannot.
 */
export interface RevocationCheck {
  check(claims: AccessTokenClaims): Promise<AuthFailureReason | null>;
}

/** Asks the database on every request: one round trip that reads the user's version and the blacklist together. */
export function createDatabaseRevocationCheck(db: Kysely<Database>): RevocationCheck {
  return {
    async check(claims) {
      const standing = await findTokenStanding(db, claims);
      if (!standing) return 'TOKEN_INVALID'; // the user no longer exists
      if (standing.revoked || standing.session_ended) return 'TOKEN_REVOKED';
      if (claims.tokenVersion < standing.token_version) return 'TOKEN_STALE';
      return null;
    },
  };
}
