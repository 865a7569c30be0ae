import type { KeyObject } from 'node:crypto';

import type { Insertable, Kysely } from 'kysely';

import type { AccessTokenRecord, Database, RefreshTokensTable, SessionRow } from '../db/database.js';
import { insertRefreshToken } from '../db/refresh-token.repository.js';
import { recordSessionUse } from '../db/session.repository.js';
import type { User } from '../users/user.js';
import { newAccessTokenRecord, signAccessToken, type TokenSettings } from './access-tokens.js';
import { hashRefreshToken } from './refresh-tokens.js';

/** What a successful login, registration, refresh or password change returns. */
export interface AuthPayload {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: Date;
  readonly user: User;
}

/** How and when a session's user proved who they are (RFC 8176 `amr`, and `auth_time`). */
export interface SessionLogin {
  readonly amr: readonly string[];
  readonly authTime: Date;
}

/** A session's `amr` column (values separated by spaces) as a list. */
export function amrOf(stored: string): string[] {
  return stored.split(' ').filter(Boolean);
}

export interface SessionSettings {
  readonly tokens: TokenSettings;
  /** Derives each refresh token's successor (`deriveSuccessorRefreshToken`). */
  readonly successorKey: KeyObject;
  readonly refreshTokenTtlSeconds: number;
  readonly sessionMaxAgeSeconds: number;
  readonly refreshReuseGraceSeconds: number;
}

/** Gives a session a new refresh token and an access token beside it, and records both on the session. */
export async function issueTokenPair(
  db: Kysely<Database>,
  settings: SessionSettings,
  issue: { user: User; session: SessionRow; refreshToken: string; now: Date },
): Promise<AuthPayload> {
  const { user, session, refreshToken, now } = issue;
  const { access, refreshExpiresAt, refreshTokenRow } = preparePair(settings, {
    user,
    sessionId: session.id,
    sessionEndsAt: session.absolute_expires_at,
    login: { amr: amrOf(session.amr), authTime: session.auth_time },
    refreshToken,
    now,
  });
  await insertRefreshToken(db, refreshTokenRow);
  await recordSessionUse(db, session.id, {
    expiresAt: refreshExpiresAt,
    accessExpiresAt: new Date(access.exp * 1000),
  });
  return tokenPairPayload(settings.tokens, { user, refreshToken, refreshExpiresAt, access });
}

/**
 * A new pair for a session, not stored yet: the access token's claims, and the refresh token's row that keeps them
 * (hashed token, expiry). The refresh token expires REFRESH_TOKEN_TTL from now, but never after the session ends.
 */
export function preparePair(
  settings: SessionSettings,
  pair: {
    user: User;
    sessionId: string;
    sessionEndsAt: Date;
    /** How and when the session's user proved who they are (kept on the session). */
    login: SessionLogin;
    refreshToken: string;
    now: Date;
  },
): { access: AccessTokenRecord; refreshExpiresAt: Date; refreshTokenRow: Insertable<RefreshTokensTable> } {
  const access = newAccessTokenRecord(settings.tokens, {
    userId: pair.user.id,
    sessionId: pair.sessionId,
    role: pair.user.role,
    tokenVersion: pair.user.tokenVersion,
    sessionEndsAt: pair.sessionEndsAt,
    amr: pair.login.amr,
    authTime: pair.login.authTime,
  });
  const refreshExpiresAt = earlier(
    new Date(pair.now.getTime() + settings.refreshTokenTtlSeconds * 1000),
    pair.sessionEndsAt,
  );
  const refreshTokenRow = {
    token_hash: hashRefreshToken(pair.refreshToken),
    session_id: pair.sessionId,
    expires_at: refreshExpiresAt,
    access_token_claims: JSON.stringify(access),
  };
  return { access, refreshExpiresAt, refreshTokenRow };
}

/** The payload for a pair already issued: the access token is signed again from its stored claims, identically. */
export function tokenPairPayload(
  tokens: TokenSettings,
  pair: { user: User; refreshToken: string; refreshExpiresAt: Date; access: AccessTokenRecord },
): AuthPayload {
  return {
    accessToken: signAccessToken(tokens, pair.access),
    accessTokenExpiresAt: new Date(pair.access.exp * 1000),
    refreshToken: pair.refreshToken,
    refreshTokenExpiresAt: pair.refreshExpiresAt,
    user: pair.user,
  };
}

function earlier(a: Date, b: Date): Date {
  return a < b ? a : b;
}
