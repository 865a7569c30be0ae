import { createHmac, type KeyObject } from 'node:crypto';

import { generateSecretToken, hashSecretToken, isWellFormedSecretToken } from './secret-tokens.js';

/** A new refresh token: opaque random bytes, never a JWT. */
export const generateRefreshToken = generateSecretToken;

/**
 * The token that replaces `token` on rotation: an HMAC of it under the server's key, indistinguishable from random
 * bytes to anyone without the key. Being derived rather than drawn, it lets a repeat of the same refresh within the
 * grace window get the same successor without the server ever storing a token.
 */
export function deriveSuccessorRefreshToken(key: KeyObject, token: string): string {
  return createHmac('sha256', key).update(`tessera refresh token successor\0${token}`).digest('base64url');
}

export const hashRefreshToken = hashSecretToken;
export const isWellFormedRefreshToken = isWellFormedSecretToken;
