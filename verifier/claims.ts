import type { JWTPayload } from 'jose';

import { TesseraVerificationError } from './errors.js';

/** The claims of a verified Tessera access token, under their JWT names. */
export interface TesseraClaims {
  /** The user's id. */
  readonly sub: string;
  /** The session's id: every token of one login shares it. */
  readonly sid: string;
  /** This token's id. */
  readonly jti: string;
  readonly role: 'USER' | 'ADMIN';
  /** The user's token version when the token was minted (a role or password change raises it). */
  readonly ver: number;
  /** Issued at and expiry, in seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  readonly iss: string;
  readonly aud: string | string[];
  /** How the user proved who they are (RFC 8176: `pwd`, `otp`, ...), when the token says. */
  readonly amr?: readonly string[];
  /** When they did, in seconds since the epoch, when the token says. */
  readonly auth_time?: number;
}

// The only form of `sub` and `sid` Tessera mints (lowercase UUIDs): anything else was not minted by it.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_AMR_VALUES = 8;

/**
 * The shape checks Tessera's own verifier makes, after the signature and the registered claims have passed: a
 * well-signed token of another shape is refused as TOKEN_INVALID rather than handed to the service half-typed.
 */
export function readClaims(payload: JWTPayload, nowMs: number, clockToleranceSeconds: number): TesseraClaims {
  const { sub, sid, jti, role, ver, iat, exp, iss, aud, amr, auth_time } = payload as Record<string, unknown>;
  const valid =
    typeof sub === 'string' &&
    UUID.test(sub) &&
    typeof sid === 'string' &&
    UUID.test(sid) &&
    typeof jti === 'string' &&
    (role === 'USER' || role === 'ADMIN') &&
    Number.isInteger(ver) &&
    (ver as number) >= 0 &&
    typeof iat === 'number' &&
    // A token "issued" ahead of now was not issued by Tessera.
    iat <= Math.floor(nowMs / 1000) + clockToleranceSeconds &&
    typeof exp === 'number' &&
    typeof iss === 'string' &&
    (typeof aud === 'string' || Array.isArray(aud)) &&
    (amr === undefined || isAmr(amr)) &&
    (auth_time === undefined || (Number.isInteger(auth_time) && (auth_time as number) >= 0));
  if (!valid) throw new TesseraVerificationError('TOKEN_INVALID');
  return {
    sub,
    sid,
    jti,
    role,
    ver: ver as number,
    iat,
    exp,
    iss,
    aud: aud as string | string[],
    ...(amr === undefined ? {} : { amr: amr as string[] }),
    ...(auth_time === undefined ? {} : { auth_time: auth_time as number }),
  };
}

function isAmr(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_AMR_VALUES &&
    value.every((entry) => typeof entry === 'string' && /^[a-z]{1,16}$/.test(entry))
  );
}
