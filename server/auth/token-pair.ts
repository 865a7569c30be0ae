import type { Kysely } from 'kysely';

import type { AccessTokenRecord, Database, SessionRow } from '../db/database.js';
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

export interface SessionSettings {
  readonly tokens: TokenSettings;
  readonly refreshTokenTtlSeconds: number;
  readonly sessionMaxAgeSeconds: number;
  readonly refreshReuseGraceSeconds: number;
}

/**
 * Gives a session a new refresh token and an access token beside it, and records both on the session. The refresh
 * token expires REFRESH_TOKEN_TTL from now, but never after the session's absolute lifetime.
 */
export async function issueTokenPair(
  db: Kysely<Database>,
  settings: SessionSettings,
  issue: { user: User; session: SessionRow; refreshToken: string; now: Date },
): Promise<AuthPayload> {
  const { user, session, refreshToken, now } = issue;
  const access = newAccessTokenRecord(settings.tokens, {
    userId: user.id,
    sessionId: session.id,
    role: user.role,
    tokenVersion: user.tokenVersion,
    sessionEndsAt: session.absolute_expires_at,
  });
  const refreshExpiresAt = earlier(
    new Date(now.getTime() + settings.refreshTokenTtlSeconds * 1000),
    session.absolute_expires_at,
  );
  await insertRefreshToken(db, {
    token_hash: hashRefreshToken(refreshToken),
    session_id: session.id,
    expires_at: refreshExpiresAt,
    access_token_claims: JSON.stringify(access),
  });
  await recordSessionUse(db, session.id, {
    expiresAt: refreshExpiresAt,
    accessExpiresAt: new Date(access.exp * 1000),
  });
  return tokenPairPayload(settings.tokens, { user, refreshToken, refreshExpiresAt, access });
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

export function earlier(a: Date, b: Date): Date {
  return a < b ? a : b;
}
