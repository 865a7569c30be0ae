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

  /**
   * Idempotent and monotonic: applying an event twice, or an older version after a newer one, changes nothing.
   * Returns whether it changed anything (a reload tells the feed only what it learned).
   */
  apply(event: RevocationEvent): boolean {
    switch (event.type) {
      case 'token':
        return raise(this.tokens, event.jti, event.until);
      case 'session':
        return raise(this.sessions, event.sessionId, event.until);
      case 'user':
        // A late version of a deleted user would only sit in memory for good: the user is refused anyway.
        if (this.deletedUsers.has(event.userId) || event.version <= 0) return false;
        return raise(this.userVersions, event.userId, event.version);
      case 'user-deleted': {
        const versionDropped = this.userVersions.delete(event.userId);
        return raise(this.deletedUsers, event.userId, event.until) || versionDropped;
      }
      case 'signing-keys':
      case 'user-changed':
        return false; // not a revocation: nothing to hold
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

  /** Every live entry as the event that would recreate it: what a newcomer needs to hold the same state. */
  snapshot(): RevocationEvent[] {
    const events: RevocationEvent[] = [];
    for (const [jti, until] of this.tokens) events.push({ type: 'token', jti, until });
    for (const [sessionId, until] of this.sessions) events.push({ type: 'session', sessionId, until });
    for (const [userId, version] of this.userVersions) events.push({ type: 'user', userId, version });
    for (const [userId, until] of this.deletedUsers) events.push({ type: 'user-deleted', userId, until });
    return events;
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

/** Sets `key` to `value` unless it already holds as much; whether it did. */
function raise(map: Map<string, number>, key: string, value: number): boolean {
  const current = map.get(key);
  if (current !== undefined && current >= value) return false;
  map.set(key, value);
  return true;
}
