import type { AccessTokenClaims } from './access-tokens.js';
import type { AuthFailureReason } from './auth-failure.js';
import type { RevocationEvent } from './revocation-events.js';

/**
 * What one process knows of revocations, in memory, so that checking a token is a few hash lookups and no query:
 * blacklisted `jti`s, revoked (or deleted) sessions and deleted users until their last access token has expired, and
 * user token versions above zero. Bounded by what is live, not by history: `sweep` drops what can no longer matter.
 */
export class RevocationState {
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private readonly userVersions = new Map<string, number>();
  private readonly deletedUsers = new Map<string, number>();

  /** Idempotent and monotonic: applying an event twice, or an older version after a newer one, changes nothing. */
  apply(event: RevocationEvent): void {
    switch (event.type) {
      case 'token':
        this.tokens.set(event.jti, Math.max(event.until, this.tokens.get(event.jti) ?? 0));
        break;
      case 'session':
        this.sessions.set(event.sessionId, Math.max(event.until, this.sessions.get(event.sessionId) ?? 0));
        break;
      case 'user':
        // A late version of a deleted user would only sit in memory for good: the user is refused anyway.
        if (this.deletedUsers.has(event.userId)) break;
        if (event.version > (this.userVersions.get(event.userId) ?? 0))
          this.userVersions.set(event.userId, event.version);
        break;
      case 'user-deleted':
        this.deletedUsers.set(event.userId, Math.max(event.until, this.deletedUsers.get(event.userId) ?? 0));
        this.userVersions.delete(event.userId);
        break;
    }
  }

  check(claims: AccessTokenClaims): AuthFailureReason | null {
    if (this.tokens.has(claims.jti) || this.sessions.has(claims.sessionId) || this.deletedUsers.has(claims.userId)) {
      return 'TOKEN_REVOKED';
    }
    if (claims.tokenVersion < (this.userVersions.get(claims.userId) ?? 0)) return 'TOKEN_STALE';
    return null;
  }

  /** Drops blacklist, session and deleted-user entries whose every token has expired by `now` (milliseconds). */
  sweep(now: number): void {
    for (const [jti, until] of this.tokens) if (until < now) this.tokens.delete(jti);
    for (const [sessionId, until] of this.sessions) if (until < now) this.sessions.delete(sessionId);
    for (const [userId, until] of this.deletedUsers) if (until < now) this.deletedUsers.delete(userId);
  }

  get size(): { tokens: number; sessions: number; users: number; deletedUsers: number } {
    return {
      tokens: this.tokens.size,
      sessions: this.sessions.size,
      users: this.userVersions.size,
      deletedUsers: this.deletedUsers.size,
    };
  }
}
