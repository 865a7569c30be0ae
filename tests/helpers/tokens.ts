import { createHmac } from 'node:crypto';

import jwt from 'jsonwebtoken';

import { TEST_JWT_SECRET } from './test-app.js';

/** The claims of a token, read without verifying it (tests only). */
export function decodeClaims(token: string): Record<string, any> {
  return jwt.decode(token) as Record<string, any>;
}

export function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/**
 * A token signed with the server's own key (HMAC-SHA256) over any header and claims the test chooses, including
 * ones a JWT library would refuse to produce (a string `exp`, say).
 */
export function signWithServerKey(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'at+jwt' },
): string {
  const signingInput = `${base64url(header)}.${base64url(claims)}`;
  const signature = createHmac('sha256', TEST_JWT_SECRET).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}
