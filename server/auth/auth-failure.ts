/** Why a presented access token was refused. Sent to the client as `extensions.reason`. */
export type AuthFailureReason = 'TOKEN_EXPIRED' | 'TOKEN_REVOKED' | 'TOKEN_STALE' | 'TOKEN_INVALID';

const MESSAGES: Record<AuthFailureReason, string> = {
  TOKEN_EXPIRED: 'The access token has expired.',
  TOKEN_REVOKED: 'The access token has been revoked.',
  TOKEN_STALE: 'The access token predates a change to the account; refresh it or log in again.',
  TOKEN_INVALID: 'The access token is invalid.',
};

/**
 * A presented access token failed a check. Its message is ours, never the JWT library's, so nothing about the
 * expected key, issuer or audience leaks to the client.
 */
export class AuthFailure extends Error {
  override name = 'AuthFailure';
  constructor(readonly reason: AuthFailureReason) {
    super(MESSAGES[reason]);
  }
}
