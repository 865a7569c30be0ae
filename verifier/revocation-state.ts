import type { TesseraVerificationReason } from './errors.js';
import type { RevocationEvent } from './revocation-event.js';

/**
 * What the feed has said of revocations, in memory: the same rules as Tessera's own `RevocationState`
 * (server/auth/revocation-state.ts). A copy, not an import: this package entry must not load the server's modules
 * (or their dependencies) into another service. Keep the two in step.
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

  /** A dead session outranks a stale version: a stale token can be refreshed, a revoked one cannot. */
  check(claims: { jti: string; sid: string; sub: string; ver: number }): TesseraVerificationReason | null {
    if (this.tokens.has(claims.jti) || this.sessions.has(claims.sid) || this.deletedUsers.has(claims.sub)) {
      return 'TOKEN_REVOKED';
    }
    if (claims.ver < (this.userVersions.get(claims.sub) ?? 0)) return 'TOKEN_STALE';
    return null;
  }

  /** Drops entries whose every token has expired by `now` (milliseconds). */
  sweep(now: number): void {
    for (const [jti, until] of this.tokens) if (until < now) this.tokens.delete(jti);
    for (const [sessionId, until] of this.sessions) if (until < now) this.sessions.delete(sessionId);
    for (const [userId, until] of this.deletedUsers) if (until < now) this.deletedUsers.delete(userId);
  }

  get size(): number {
    return this.tokens.size + this.sessions.size + this.userVersions.size + this.deletedUsers.size;
  }
}
