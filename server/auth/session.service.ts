import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import { systemClock, type Clock } from '../clock.js';
import type { Database, RefreshTokenRow } from '../db/database.js';
import { findRefreshToken, findRefreshTokenForUpdate, markRefreshTokenSpent } from '../db/refresh-token.repository.js';
import { insertRevokedToken } from '../db/revoked-token.repository.js';
import {
  findLiveSessionsOfUser,
  findSessionForUpdate,
  insertLoginSession,
  revokeSessions,
} from '../db/session.repository.js';
import { findUserById, lockUser, raiseTokenVersion } from '../db/user.repository.js';
import { InvalidRefreshTokenError } from '../errors.js';
import { toUser, type User } from '../users/user.js';
import { isUuid } from '../users/user-input.js';
import type { AccessTokenClaims } from './access-tokens.js';
import {
  deriveSuccessorRefreshToken,
  generateRefreshToken,
  hashRefreshToken,
  isWellFormedRefreshToken,
} from './refresh-tokens.js';
import { sessionRevoked, tokenRevoked, userVersionRaised } from './revocation-events.js';
import type { AuthEventLog } from '../events/auth-event-log.js';
import { inUnitOfWork } from '../events/unit-of-work.js';
import type { RevocationSink } from './revoking.js';
import type { RateLimits } from '../security/rate-limits.js';
import { toSession, type ClientInfo, type Session } from './session.js';
import { issueTokenPair, preparePair, tokenPairPayload, type AuthPayload, type SessionSettings } from './token-pair.js';

export interface SessionService {
  /**
   * Starts a session for a user who just proved who they are (recording the login, `LOGIN_SUCCEEDED`, with how they
   * proved it), and returns its first pair. `amr` (RFC 8176; `pwd` unless said) is what its tokens say the user
   * proved, now (`auth_time`).
   */
  open(user: User, client: ClientInfo, method?: LoginMethod, amr?: readonly string[]): Promise<AuthPayload>;
  /** Rotates a refresh token: the one presented is spent and a new pair returned. */
  refresh(refreshToken: string, client: ClientInfo): Promise<AuthPayload>;
  /** Ends the session of an access token and blacklists the token itself. */
  logout(token: AccessTokenClaims, client: ClientInfo): Promise<void>;
  /** Ends the session a refresh token belongs to (cookie mode's logout with no access token at hand). */
  logoutByRefreshToken(refreshToken: string, client: ClientInfo): Promise<void>;
  /** Ends every session of a user; returns how many were live. */
  logoutAll(userId: string, client: ClientInfo): Promise<number>;
  /** Ends one of the user's own sessions; false when they have no such live session. */
  revoke(userId: string, sessionId: string, client: ClientInfo): Promise<boolean>;
  list(userId: string, currentSessionId: string | undefined): Promise<Session[]>;
}

/** How a login proved who it is, as the audit trail tells it. */
const LOGIN_METHODS = ['password', 'registration', 'password-reset', 'passkey'] as const;
export type LoginMethod = (typeof LOGIN_METHODS)[number];

export function isLoginMethod(value: string): value is LoginMethod {
  return (LOGIN_METHODS as readonly string[]).includes(value);
}

type RefreshOutcome = { ok: AuthPayload } | { refused: 'invalid' } | { refused: 'reuse'; sessionId: string };

export function createSessionService(deps: {
  db: Kysely<Database>;
  settings: SessionSettings;
  revocations: RevocationSink;
  events: AuthEventLog;
  rateLimits: RateLimits;
  /** What time a login happens (`auth_time`), which step-up compares with the same clock. */
  clock?: Clock;
}): SessionService {
  const { db, settings, events, rateLimits, clock = systemClock } = deps;
  const changes = deps;

  /** A spent token presented again: the same successor pair if this is a quick repeat of the same refresh. */
  async function repeatWithinGrace(
    trx: Kysely<Database>,
    spent: RefreshTokenRow,
    presented: string,
    user: User,
    now: Date,
  ): Promise<AuthPayload | undefined> {
    const graceEndsAt = spent.spent_at!.getTime() + settings.refreshReuseGraceSeconds * 1000;
    if (spent.successor_hash === null || now.getTime() >= graceEndsAt) return undefined;
    const successor = await findRefreshToken(trx, spent.successor_hash);
    // Once the successor has itself been used, a repeat of its predecessor is no client's retry.
    if (!successor || successor.spent_at !== null) return undefined;
    const successorToken = deriveSuccessorRefreshToken(settings.successorKey, presented);
    if (hashRefreshToken(successorToken) !== spent.successor_hash) return undefined;
    return tokenPairPayload(settings.tokens, {
      user,
      refreshToken: successorToken,
      refreshExpiresAt: successor.expires_at,
      access: successor.access_token_claims,
    });
  }

  return {
    async open(user, client, method = 'password', amr = ['pwd']) {
      const now = new Date();
      const authTime = new Date(clock.now());
      const sessionId = randomUUID();
      const absoluteExpiresAt = new Date(now.getTime() + settings.sessionMaxAgeSeconds * 1000);
      const refreshToken = generateRefreshToken();
      const { access, refreshExpiresAt, refreshTokenRow } = preparePair(settings, {
        user,
        sessionId,
        sessionEndsAt: absoluteExpiresAt,
        login: { amr, authTime },
        refreshToken,
        now,
      });
      const recorded = events.stamp([
        { type: 'LOGIN_SUCCEEDED', userId: user.id, sessionId, client, detail: { method } },
      ]);
      // One statement, as before: the login's audit row rides along.
      const lastLoginAt = await insertLoginSession(db, {
        events: recorded,
        session: {
          id: sessionId,
          user_id: user.id,
          expires_at: refreshExpiresAt,
          absolute_expires_at: absoluteExpiresAt,
          access_expires_at: new Date(access.exp * 1000),
          user_agent: client.userAgent,
          ip: client.ip,
          amr: amr.join(' '),
          auth_time: authTime,
        },
        refreshToken: refreshTokenRow,
      });
      events.publish(recorded);
      return tokenPairPayload(settings.tokens, {
        user: { ...user, lastLoginAt },
        refreshToken,
        refreshExpiresAt,
        access,
      });
    },

    async refresh(presented, client) {
      // Per address only: the account is not known until the token is looked up.
      await rateLimits.attempt('refreshToken', { address: client.ip });
      if (!isWellFormedRefreshToken(presented)) throw new InvalidRefreshTokenError();
      const hash = hashRefreshToken(presented);
      const outcome = await inUnitOfWork(changes, async (trx, unit): Promise<RefreshOutcome> => {
        const unlocked = await findRefreshToken(trx, hash);
        if (!unlocked) return { refused: 'invalid' };
        // The session, then its token. (Writers that change many of a user's sessions lock the user row first.)
        const session = await findSessionForUpdate(trx, unlocked.session_id);
        const token = await findRefreshTokenForUpdate(trx, hash);
        if (!session || !token || session.revoked_at !== null) return { refused: 'invalid' };
        const row = await findUserById(trx, session.user_id);
        // Disabling ends every session, so this is only for a login that opened one as the disable committed.
        if (!row || row.disabled) return { refused: 'invalid' };
        const user = toUser(row);
        const now = new Date();

        if (token.spent_at !== null) {
          // Spent by a password change, not by rotation: the holder is locked out, but it is no sign of theft.
          if (token.successor_hash === null) return { refused: 'invalid' };
          const repeat = await repeatWithinGrace(trx, token, presented, user, now);
          if (repeat) return { ok: repeat };
          const ended = await revokeSessions(
            trx,
            { userId: session.user_id, sessionId: session.id },
            'REFRESH_TOKEN_REUSE',
          );
          unit.revoke(...ended.map(sessionRevoked));
          unit.record({
            type: 'REFRESH_TOKEN_REUSED',
            userId: session.user_id,
            sessionId: session.id,
            client,
            detail: { reason: 'REFRESH_TOKEN_REUSE' },
          });
          return { refused: 'reuse', sessionId: session.id };
        }
        if (token.expires_at <= now || session.absolute_expires_at <= now) return { refused: 'invalid' };

        const successor = deriveSuccessorRefreshToken(settings.successorKey, presented);
        await markRefreshTokenSpent(trx, hash, { at: now, successorHash: hashRefreshToken(successor) });
        unit.record({ type: 'TOKEN_REFRESHED', userId: user.id, sessionId: session.id, client });
        // The user's current role and token version go into the new access token: this is how a client whose
        // token went TOKEN_STALE gets one that carries its new role.
        return {
          ok: await issueTokenPair(trx, settings, { user, session, refreshToken: successor, now }),
        };
      });
      if ('ok' in outcome) return outcome.ok;
      // A reuse was recorded (REFRESH_TOKEN_REUSED), and is logged as a warning with the other auth events.
      throw new InvalidRefreshTokenError();
    },

    async logout(token, client) {
      await inUnitOfWork(changes, async (trx, unit) => {
        const expiresAt = new Date(token.expiresAt * 1000);
        await insertRevokedToken(trx, { jti: token.jti, userId: token.userId, expiresAt });
        unit.revoke(tokenRevoked({ jti: token.jti, expires_at: expiresAt }));
        const ended = await revokeSessions(trx, { userId: token.userId, sessionId: token.sessionId }, 'LOGOUT');
        unit.revoke(...ended.map(sessionRevoked));
        unit.record({ type: 'LOGGED_OUT', userId: token.userId, sessionId: token.sessionId, client });
      });
    },

    async logoutByRefreshToken(presented, client) {
      // Whoever holds the token could use the session anyway; ending it grants nothing, and says nothing back.
      if (!isWellFormedRefreshToken(presented)) return;
      const token = await findRefreshToken(db, hashRefreshToken(presented));
      if (!token) return;
      await inUnitOfWork(changes, async (trx, unit) => {
        const session = await findSessionForUpdate(trx, token.session_id);
        if (!session || session.revoked_at !== null) return;
        const ended = await revokeSessions(trx, { userId: session.user_id, sessionId: session.id }, 'LOGOUT');
        unit.revoke(...ended.map(sessionRevoked));
        unit.record({ type: 'LOGGED_OUT', userId: session.user_id, sessionId: session.id, client });
      });
    },

    async logoutAll(userId, client) {
      return inUnitOfWork(changes, async (trx, unit) => {
        await lockUser(trx, userId);
        const ended = await revokeSessions(trx, { userId }, 'LOGOUT_ALL');
        unit.revoke(...ended.map(sessionRevoked));
        const user = await raiseTokenVersion(trx, userId);
        if (user) unit.revoke(userVersionRaised(user));
        unit.record({ type: 'LOGGED_OUT_EVERYWHERE', userId, client, detail: { count: ended.length } });
        return ended.length;
      });
    },

    async revoke(userId, sessionId, client) {
      if (!isUuid(sessionId)) return false;
      return inUnitOfWork(changes, async (trx, unit) => {
        const ended = await revokeSessions(trx, { userId, sessionId }, 'REVOKED_BY_USER');
        unit.revoke(...ended.map(sessionRevoked));
        if (ended.length > 0) {
          unit.record({ type: 'SESSION_REVOKED', userId, sessionId, client, detail: { reason: 'REVOKED_BY_USER' } });
        }
        return ended.length > 0;
      });
    },

    async list(userId, currentSessionId) {
      const rows = await findLiveSessionsOfUser(db, userId);
      return rows.map((row) => toSession(row, currentSessionId));
    },
  };
}
