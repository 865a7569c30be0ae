/** Why a token was refused: the same reasons Tessera itself gives (`extensions.reason`). */
export type TesseraVerificationReason = 'TOKEN_EXPIRED' | 'TOKEN_REVOKED' | 'TOKEN_STALE' | 'TOKEN_INVALID';

const MESSAGES: Record<TesseraVerificationReason, string> = {
  TOKEN_EXPIRED: 'The access token has expired.',
  TOKEN_REVOKED: 'The access token has been revoked.',
  TOKEN_STALE: 'The access token predates a change to the account; refresh it or log in again.',
  TOKEN_INVALID: 'The access token is invalid.',
};

/**
 * The token was checked and refused. The message is ours, never the JWT library's, so nothing about the expected
 * key, issuer or audience reaches a client.
 */
export class TesseraVerificationError extends Error {
  override name = 'TesseraVerificationError';
  constructor(readonly code: TesseraVerificationReason) {
    super(MESSAGES[code]);
  }
}

/**
 * The token could not be checked: Tessera (discovery, keys or introspection) did not answer while the verifier had
 * nothing it could prove current. Not a verdict on the token: the request may be retried (HTTP 503), and a client
 * must not log out over it.
 */
export class TesseraUnavailableError extends Error {
  override name = 'TesseraUnavailableError';
  readonly code = 'TESSERA_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
