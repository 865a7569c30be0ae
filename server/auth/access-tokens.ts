import { randomUUID } from 'node:crypto';

import jwt from 'jsonwebtoken';

import type { AccessTokenRecord, Role } from '../db/database.js';
import type { KeyInUse, KeyRing } from '../keys/key-ring.js';
import { AuthFailure } from './auth-failure.js';

/** RFC 9068's explicit type for access tokens: no other kind of JWT (an ID token, say) can pass as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** Far above any token we mint; a longer string is refused before any parsing or crypto. */
const MAX_TOKEN_LENGTH = 4096;
/**
 * A UUID as `randomUUID` and Postgres write it (lowercase): the only form of `sub` and `sid` we mint. Anything else is
 * refused before it reaches a `uuid` column (where it would be an error, not an answer) or an in-memory lookup keyed
 * by that form.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TokenSettings {
  /** Signs with its current key; verifies with the key a token's `kid` names, by the ring's own algorithm for it. */
  readonly keys: KeyRing;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  /** Leeway, in seconds, for `exp`, `nbf` and `iat`. */
  readonly clockToleranceSeconds: number;
}

/** The claims of a verified access token, as the rest of the server sees them. */
export interface AccessTokenClaims {
  readonly userId: string;
  readonly sessionId: string;
  readonly role: Role;
  /** The user's token version when the token was minted. */
  readonly tokenVersion: number;
  readonly jti: string;
  /** Expiry, in seconds since the epoch. */
  readonly expiresAt: number;
  /** How the user proved who they are (RFC 8176: `pwd`, `otp`); undefined in tokens minted before this claim. */
  readonly amr?: readonly string[];
  /** When they did, in seconds since the epoch; undefined in tokens minted before this claim. */
  readonly authTime?: number;
}

/** The most `amr` values a token may carry: far above the few that exist. */
const MAX_AMR_VALUES = 8;

/** New claims for an access token, expiring ACCESS_TOKEN_TTL from now, but not after its session ends. */
export function newAccessTokenRecord(
  settings: TokenSettings,
  subject: {
    userId: string;
    sessionId: string;
    role: Role;
    tokenVersion: number;
    sessionEndsAt: Date;
    /** How and when the session's user proved who they are: kept by the session, said by each of its tokens. */
    amr: readonly string[];
    authTime: Date;
  },
): AccessTokenRecord {
  const issuedAt = Math.floor(Date.now() / 1000);
  const sessionEnds = Math.floor(subject.sessionEndsAt.getTime() / 1000);
  return {
    sub: subject.userId,
    sid: subject.sessionId,
    jti: randomUUID(),
    role: subject.role,
    ver: subject.tokenVersion,
    iat: issuedAt,
    exp: Math.max(issuedAt + 1, Math.min(issuedAt + settings.accessTokenTtlSeconds, sessionEnds)),
    amr: [...subject.amr],
    auth_time: Math.floor(subject.authTime.getTime() / 1000),
  };
}

/**
 * Signs claims into a JWT with the ring's current key, named in `kid`. HMAC is deterministic: the same record always
 * gives the same token (ECDSA and RSA-PSS are not, RS256 is; either way the claims are the same).
 */
export function signAccessToken(settings: TokenSettings, record: AccessTokenRecord): string {
  const { sub, sid, jti, role, ver, iat, exp, amr, auth_time } = record;
  // Records stored before `amr` and `auth_time` existed are signed again as they were, without them.
  const login = { ...(amr === undefined ? {} : { amr }), ...(auth_time === undefined ? {} : { auth_time }) };
  const signing = settings.keys.signingKey();
  return jwt.sign({ sid, role, ver, iat, exp, ...login }, signing.key, {
    algorithm: signing.algorithm,
    header: { alg: signing.algorithm, typ: ACCESS_TOKEN_TYPE, kid: signing.kid },
    subject: sub,
    jwtid: jti,
    issuer: settings.issuer,
    audience: settings.audience,
  });
}

/**
 * Checks signature (algorithm pinned), expiry (required), issuer, audience and type, and the shape of every claim:
 * `sub` and `sid` are UUIDs, and `iat` is no later than now plus the clock tolerance (a token "issued" years ahead
 * was not issued by us). Throws `AuthFailure` with TOKEN_EXPIRED or TOKEN_INVALID. Revocation is checked separately.
 */
export function verifyAccessToken(settings: TokenSettings, token: string): AccessTokenClaims {
  return verifyAccessTokenWithKey(settings, token).claims;
}

/** `verifyAccessToken`, also naming the ring's key that verified it (`verified-tokens.ts` remembers both). */
export function verifyAccessTokenWithKey(
  settings: TokenSettings,
  token: string,
): { claims: AccessTokenClaims; key: KeyInUse } {
  if (token.length > MAX_TOKEN_LENGTH) throw new AuthFailure('TOKEN_INVALID');
  // The key comes from the ring by the token's `kid`, and the algorithm with it: a token cannot pick either.
  const key = settings.keys.verificationKey(keyIdOf(token));
  if (!key) throw new AuthFailure('TOKEN_INVALID');
  let decoded: jwt.Jwt;
  try {
    decoded = jwt.verify(token, key.key, {
      algorithms: [key.algorithm],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: settings.clockToleranceSeconds,
      complete: true,
    });
  } catch (error) {
    throw new AuthFailure(error instanceof jwt.TokenExpiredError ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
  }
  const { header, payload } = decoded;
  // `crit` names extensions the verifier must understand (RFC 7515 §4.1.11); we understand none. `jku`, `x5u`,
  // `jwk` and `x5c` are never read: the key is the ring's, named by `kid`, never one the token brings.
  if (header.typ !== ACCESS_TOKEN_TYPE || 'crit' in header || typeof payload !== 'object') {
    throw new AuthFailure('TOKEN_INVALID');
  }
  const { sub, sid, jti, exp, iat, role, ver, amr, auth_time } = payload;
  if (
    typeof sub !== 'string' ||
    !UUID.test(sub) ||
    typeof sid !== 'string' ||
    !UUID.test(sid) ||
    typeof jti !== 'string' ||
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    iat > Math.floor(Date.now() / 1000) + settings.clockToleranceSeconds ||
    (role !== 'USER' && role !== 'ADMIN') ||
    !Number.isInteger(ver) ||
    (ver as number) < 0 ||
    !(amr === undefined || isAmr(amr)) ||
    !(auth_time === undefined || (Number.isInteger(auth_time) && (auth_time as number) >= 0))
  ) {
    throw new AuthFailure('TOKEN_INVALID');
  }
  const claims: AccessTokenClaims = {
    userId: sub,
    sessionId: sid,
    role,
    tokenVersion: ver as number,
    jti,
    expiresAt: exp,
    ...(amr === undefined ? {} : { amr }),
    ...(auth_time === undefined ? {} : { authTime: auth_time as number }),
  };
  return { claims, key };
}

/**
 * The `kid` of a token's header, read before any verification only to pick the ring's key (a `kid` that is not a
 * short string finds none). Undefined when there is none, or the header is not JSON.
 */
function keyIdOf(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > MAX_HEADER_LENGTH) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    const kid = typeof header === 'object' && header !== null ? (header as { kid?: unknown }).kid : undefined;
    return typeof kid === 'string' && kid.length <= 128 ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** Far above any header we write (`alg`, `typ`, `kid`). */
const MAX_HEADER_LENGTH = 512;

function isAmr(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_AMR_VALUES &&
    value.every((entry) => typeof entry === 'string' && /^[a-z]{1,16}$/.test(entry))
  );
}
