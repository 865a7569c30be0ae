import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';

/** 256 random bits, base64url: 43 characters. */
const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new refresh token: opaque random bytes, never a JWT. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The token that replaces `token` on rotation: an HMAC of it under the server's key, indistinguishable from random
 * bytes to anyone without the key. Being derived rather than drawn, it lets a repeat of the same refresh within the
 * grace window get the same successor without the server ever storing a token.
 */
export function deriveSuccessorRefreshToken(key: KeyObject, token: string): string {
  return createHmac('sha256', key).update(`tessera refresh token successor\0${token}`).digest('base64url');
}

/** What is stored: a fast hash suffices, as the token has 256 bits of entropy. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Cheap shape check, so that garbage is refused without a query. */
export function isWellFormedRefreshToken(token: string): boolean {
  return REFRESH_TOKEN_PATTERN.test(token);
}
