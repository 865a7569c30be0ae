import { LRUCache } from 'lru-cache';

import { verifyAccessTokenWithKey, type AccessTokenClaims, type TokenSettings } from './access-tokens.js';

/**
 * The tokens most recently verified, so that a client's next request with the same token skips the signature and
 * the JSON (`jsonwebtoken.verify` was about a sixth of an authenticated request: bench/plugin-cost.ts). About 1 KiB
 * each; a client sends the same token until it refreshes it, so the busiest clients stay in.
 */
const REMEMBERED_TOKENS = 10_000;

/**
 * `verifyAccessToken`, remembering what it verified. A token is only ever remembered after a full verification, and
 * only the very same string finds it (a Map compares a string's hash first: no byte-by-byte timing on a guess). A
 * remembered token still expires exactly when `jsonwebtoken` says so (the same clock and tolerance), and is verified
 * afresh once the key that signed it is no longer the ring's key for its `kid` (a key that left the ring, or a ring
 * read again). Revocation is not remembered: it is checked on every request, as before.
 */
export function createTokenVerifier(settings: TokenSettings): (token: string) => AccessTokenClaims {
  const verified = new LRUCache<string, { claims: AccessTokenClaims; kid: string; key: unknown }>({
    max: REMEMBERED_TOKENS,
  });
  return (token) => {
    const remembered = verified.get(token);
    if (remembered) {
      // As jsonwebtoken decides expiry: whole seconds of Date.now(), `exp` plus the tolerance.
      const expired = Math.floor(Date.now() / 1000) >= remembered.claims.expiresAt + settings.clockToleranceSeconds;
      if (!expired && settings.keys.verificationKey(remembered.kid)?.key === remembered.key) return remembered.claims;
      verified.delete(token);
    }
    const { claims, key } = verifyAccessTokenWithKey(settings, token);
    verified.set(token, { claims, kid: key.kid, key: key.key });
    return claims;
  };
}
