import { TesseraUnavailableError } from './errors.js';

/** The parts of Tessera's RFC 8414 metadata the verifier uses. */
export interface TesseraMetadata {
  /** What every token's `iss` must equal (JWT_ISSUER at Tessera, not necessarily a URL). */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly introspectionEndpoint: string;
  readonly revocationFeedEndpoint: string;
  /** `access_token_signing_alg_values_supported`, when Tessera says: the one algorithm its tokens use. */
  readonly signingAlgorithms: readonly string[] | undefined;
}

/** Reads `<base>/.well-known/oauth-authorization-server`; throws TesseraUnavailableError if it cannot. */
export async function fetchMetadata(fetchImpl: typeof fetch, baseUrl: string, timeoutMs: number) {
  const url = new URL('/.well-known/oauth-authorization-server', baseUrl);
  let body: Record<string, unknown>;
  try {
    const response = await fetchImpl(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = (await response.json()) as Record<string, unknown>;
  } catch (error) {
    throw new TesseraUnavailableError(`Tessera's discovery document could not be read from ${url}`, { cause: error });
  }
  const { issuer, jwks_uri, introspection_endpoint, revocation_feed_endpoint } = body;
  const algorithms = body.access_token_signing_alg_values_supported;
  if (
    typeof issuer !== 'string' ||
    typeof jwks_uri !== 'string' ||
    typeof introspection_endpoint !== 'string' ||
    typeof revocation_feed_endpoint !== 'string'
  ) {
    throw new TesseraUnavailableError(`${url} lacks issuer, jwks_uri, introspection_endpoint or the feed's URL`);
  }
  return {
    issuer,
    jwksUri: jwks_uri,
    introspectionEndpoint: introspection_endpoint,
    revocationFeedEndpoint: revocation_feed_endpoint,
    signingAlgorithms: Array.isArray(algorithms) ? algorithms.filter((alg) => typeof alg === 'string') : undefined,
  } satisfies TesseraMetadata;
}
