import type { IncomingMessage } from 'node:http';

import { GraphQLError } from 'graphql';

import type { AccessTokenClaims } from './auth/access-tokens.js';
import { AuthFailure, type AuthFailureReason } from './auth/auth-failure.js';
import type { AuthService } from './auth/auth.service.js';
import type { PasswordResetService } from './auth/password-reset.service.js';
import type { ClientInfo } from './auth/session.js';
import type { SessionService } from './auth/session.service.js';
import { tokenFromAuthorizationHeader } from './auth/authorization-header.js';
import type { RevocationCheck } from './auth/revocation.js';
import type { AuditTrailService } from './events/audit-trail.service.js';
import type { Role } from './db/database.js';
import { refreshTokenCookie, type RefreshTokenCookie } from './http/refresh-token-cookie.js';
import type { EmailVerificationService } from './users/email-verification.service.js';
import type { UserService } from './users/user.service.js';
import type { MfaLoginService } from './mfa/mfa-login.service.js';
import type { TotpService } from './mfa/totp.service.js';
import type { PasskeyService } from './passkeys/passkey.service.js';

/** Who is asking: set only from a verified, unrevoked access token. */
export interface Viewer {
  readonly userId: string;
  readonly role: Role;
  readonly sessionId: string;
}

export interface Services {
  readonly auth: AuthService;
  readonly sessions: SessionService;
  readonly users: UserService;
  readonly emailVerification: EmailVerificationService;
  readonly passwordReset: PasswordResetService;
  /** Reads the audit trail (`authEvents`, `myAuthEvents`). */
  readonly auditTrail: AuditTrailService;
  /** The second step of a login (`verifyMfa`). */
  readonly mfaLogin: MfaLoginService;
  /** A user's authenticator app and recovery codes. */
  readonly totp: TotpService;
  /** A user's passkeys, and logins with them. */
  readonly passkeys: PasskeyService;
}

export interface Context {
  readonly viewer: Viewer | null;
  /** The verified claims of the presented token (never the raw token), for logout. */
  readonly credentials: AccessTokenClaims | null;
  /**
   * A token was presented and failed its check: the request is refused with a 401 before execution, unless every
   * field it asks needs no viewer (`useRefusedTokenPolicy`), which then runs as anonymous.
   */
  readonly refusedToken: AuthFailure | null;
  /**
   * Users who proved who they are within this request (by `register` or `login`): the payload that returns them
   * may show their private fields, though the request itself carried no token.
   */
  readonly authenticatedInRequest: Set<string>;
  /** Recorded on the session a login opens. */
  readonly client: ClientInfo;
  /** The URL the request came to: outside production, passkeys' relying party defaults from it. */
  readonly requestUrl: string;
  /** In cookie mode (REFRESH_TOKEN_COOKIE=true), where the refresh token travels instead of the response body. */
  readonly refreshTokenCookie: RefreshTokenCookie | null;
  readonly services: Services;
  /** Work that goes on after the answer (and that shutting down waits for): Yoga's server-context `waitUntil`. */
  readonly waitUntil: (work: Promise<void>) => void;
}

/**
 * Builds each request's context: reads `Authorization`, verifies the token and checks revocation before any
 * resolver runs. A token that is presented and fails is answered 401 with one error (by `useRefusedTokenPolicy`,
 * which lets the mutations that get a new token through); no token means anonymous.
 */
export function createContextFactory(deps: {
  /** Verifies an access token's signature and claims (not its revocation): `createTokenVerifier`. */
  verifyToken: (token: string) => AccessTokenClaims;
  revocation: RevocationCheck;
  services: Services;
  /** The client's address for this request (the socket's peer, or as a trusted proxy reports it). */
  clientAddress: (req: IncomingMessage | undefined) => string | null;
  cookieMode: boolean;
}) {
  const contextOf = (
    request: Request,
    req: IncomingMessage | undefined,
    waitUntil: (work: Promise<void>) => void,
    viewer: Viewer | null,
    credentials: AccessTokenClaims | null,
    refusedToken: AuthFailure | null,
  ): Context => ({
    viewer,
    credentials,
    refusedToken,
    authenticatedInRequest: new Set<string>(),
    // Yoga copies the context's properties once built: what only a few mutations read (the client's address and
    // user agent) sits one level down, worked out when read.
    client: new LazyClientInfo(request, req, deps.clientAddress),
    requestUrl: request.url,
    refreshTokenCookie: deps.cookieMode ? refreshTokenCookie(request) : null,
    services: deps.services,
    waitUntil,
  });
  // Made once, not per request: under tsx, a function made per request also costs a `name` definition.
  function checked(
    revoked: AuthFailureReason | null,
    claims: AccessTokenClaims,
    request: Request,
    req: IncomingMessage | undefined,
    waitUntil: (work: Promise<void>) => void,
  ): Context {
    return revoked
      ? contextOf(request, req, waitUntil, null, null, new AuthFailure(revoked))
      : contextOf(request, req, waitUntil, viewerOf(claims), claims, null);
  }
  // Not async: an anonymous request, and a token checked against memory, are answered without a promise (Yoga
  // waits a turn for each one).
  return ({
    request,
    req,
    waitUntil,
  }: {
    request: Request;
    req?: IncomingMessage;
    waitUntil: (work: Promise<void>) => void;
  }): Context | Promise<Context> => {
    let claims: AccessTokenClaims;
    try {
      const token = tokenFromAuthorizationHeader(request.headers.get('authorization'));
      if (token === null) return contextOf(request, req, waitUntil, null, null, null);
      claims = deps.verifyToken(token);
    } catch (error) {
      if (error instanceof AuthFailure) return contextOf(request, req, waitUntil, null, null, error);
      throw error;
    }
    const revoked = deps.revocation.check(claims);
    // The database's answer (REVOCATION_CHECK=database, or memory not trusted) is the only one waited for.
    if (revoked instanceof Promise) return revoked.then((reason) => checked(reason, claims, request, req, waitUntil));
    return checked(revoked, claims, request, req, waitUntil);
  };
}

function viewerOf(claims: AccessTokenClaims): Viewer {
  return { userId: claims.userId, role: claims.role, sessionId: claims.sessionId };
}

/**
 * A refused access token as GraphQL sees it: `UNAUTHENTICATED` with the reason. Refused up front (`http`), the
 * response is a 401 with `WWW-Authenticate`; found mid-execution, it is an error in a 200 like any other.
 */
export function authFailureError(failure: AuthFailure, options: { http: boolean }): GraphQLError {
  return new GraphQLError(failure.message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      reason: failure.reason,
      // Read by Yoga for the response's status and headers, and left out of the body.
      ...(options.http && { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } } }),
    },
  });
}

const USER_AGENT_MAX_LENGTH = 512;

/**
 * The client's user agent and address, read from the request the first time they are asked for. Serialized (a log
 * line, an audit row), it is those two and nothing of the request it reads them from.
 */
class LazyClientInfo implements ClientInfo {
  readonly #request: Request;
  readonly #req: IncomingMessage | undefined;
  readonly #clientAddress: (req: IncomingMessage | undefined) => string | null;
  #userAgent: string | null | undefined;
  #ip: string | null | undefined;

  constructor(
    request: Request,
    req: IncomingMessage | undefined,
    clientAddress: (req: IncomingMessage | undefined) => string | null,
  ) {
    this.#request = request;
    this.#req = req;
    this.#clientAddress = clientAddress;
  }

  get userAgent(): string | null {
    if (this.#userAgent === undefined) {
      this.#userAgent = this.#request.headers.get('user-agent')?.slice(0, USER_AGENT_MAX_LENGTH) ?? null;
    }
    return this.#userAgent;
  }

  get ip(): string | null {
    if (this.#ip === undefined) this.#ip = this.#clientAddress(this.#req);
    return this.#ip;
  }

  toJSON(): ClientInfo {
    return { userAgent: this.userAgent, ip: this.ip };
  }
}
