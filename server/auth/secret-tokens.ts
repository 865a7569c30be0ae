import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: 43 characters. */
const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * An opaque secret handed to one holder (a refresh token, a link's token in a mail): 256 random bits, base64url.
 * Only its hash is stored.
 */
export function generateSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored: a fast hash suffices, as the token has 256 bits of entropy (nothing to guess, nothing to crack). */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Cheap shape check, so that garbage is refused without a query. */
export function isWellFormedSecretToken(token: string): boolean {
  return SECRET_TOKEN_PATTERN.test(token);
}
