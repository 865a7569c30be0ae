import type { Plugin } from 'graphql-yoga';

import type { KeyRing } from '../keys/key-ring.js';

/**
 * How long verifiers may cache the key set: at most half of KEY_PUBLISH_DELAY (5 minutes of the default 10), so a
 * key rotated in reaches every cache before it signs. A verifier that meets an unknown `kid` fetches again anyway.
 */
const JWKS_MAX_AGE_SECONDS = 300;
const maxAgeSeconds = (publishDelaySeconds: number) =>
  Math.min(JWKS_MAX_AGE_SECONDS, Math.floor(publishDelaySeconds / 2));

/**
 * What other services need to trust Tessera's tokens without its secret:
 * - `GET /.well-known/jwks.json`: the public keys (next, current, retiring); never a private or symmetric one, so
 *   with HS256 the set is empty.
 * - `GET /.well-known/oauth-authorization-server` (RFC 8414): the issuer, where the keys, introspection and the
 *   revocation feed are. URLs are this server's as the request reached it.
 */
export function useDiscovery(settings: { keys: KeyRing; issuer: string; publishDelaySeconds: number }): Plugin {
  const cacheControl = `public, max-age=${maxAgeSeconds(settings.publishDelaySeconds)}`;
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/.well-known/jwks.json') {
        endResponse(json(fetchAPI, cacheControl, { keys: settings.keys.publishedKeys() }));
      } else if (url.pathname === '/.well-known/oauth-authorization-server') {
        const base = url.origin;
        endResponse(
          json(fetchAPI, cacheControl, {
            issuer: settings.issuer,
            jwks_uri: `${base}/.well-known/jwks.json`,
            introspection_endpoint: `${base}/oauth/introspect`,
            introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
            // Not in RFC 8414's registry: Tessera's Server-Sent Events feed of revocations (README).
            revocation_feed_endpoint: `${base}/revocations`,
            // Neither is this, but verifiers read it to pin the algorithm rather than trust a token's header.
            access_token_signing_alg_values_supported: [settings.keys.algorithm],
          }),
        );
      }
    },
  };
}

function json(fetchAPI: { Response: typeof Response }, cacheControl: string, body: unknown): Response {
  return new fetchAPI.Response(JSON.stringify(body), {
    headers: { 'content-type': 'application/json', 'cache-control': cacheControl },
  });
}
