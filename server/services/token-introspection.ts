import { verifyAccessToken, type TokenSettings } from '../auth/access-tokens.js';
import { AuthFailure, type AuthFailureReason } from '../auth/auth-failure.js';
import type { RevocationCheck } from '../auth/revocation.js';
import type { Role } from '../db/database.js';

/** RFC 7662 §2.2 for a token that stands: its claims, as the server itself would read them. */
export interface ActiveToken {
  readonly active: true;
  readonly sub: string;
  readonly sid: string;
  readonly jti: string;
  readonly exp: number;
  readonly iat: number;
  readonly iss: string;
  readonly aud: string | string[];
  readonly role: Role;
  readonly amr?: readonly string[];
  readonly auth_time?: number;
  readonly token_type: 'access_token';
}

/**
 * A token that does not stand. `tessera_reason` is an extension member (RFC 7662 §2.2 allows them) for the
 * authenticated service only, so that its verifier refuses with the same reason the server would.
 */
export interface InactiveToken {
  readonly active: false;
  readonly tessera_reason: AuthFailureReason;
}

export type Introspection = ActiveToken | InactiveToken;

/**
 * Whether an access token stands, by the server's own rules: the same verification as a request's bearer token,
 * then the same revocation check (which asks the database whenever memory is not trusted).
 */
export async function introspectAccessToken(
  tokens: TokenSettings,
  revocations: RevocationCheck,
  token: string,
): Promise<Introspection> {
  let claims;
  try {
    claims = verifyAccessToken(tokens, token);
  } catch (error) {
    if (error instanceof AuthFailure) return { active: false, tessera_reason: error.reason };
    throw error;
  }
  const refused = await revocations.check(claims);
  if (refused) return { active: false, tessera_reason: refused };
  // `iat`, `iss` and `aud` are not among the claims the server keeps; the signature has just been verified, so the
  // payload is the one that was signed.
  const { iat, iss, aud } = signedPayload(token);
  return {
    active: true,
    sub: claims.userId,
    sid: claims.sessionId,
    jti: claims.jti,
    exp: claims.expiresAt,
    iat,
    iss,
    aud,
    role: claims.role,
    ...(claims.amr === undefined ? {} : { amr: claims.amr }),
    ...(claims.authTime === undefined ? {} : { auth_time: claims.authTime }),
    token_type: 'access_token',
  };
}

function signedPayload(token: string): { iat: number; iss: string; aud: string | string[] } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}
