import {
  createLocalJWKSet,
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JWK,
  type JWSHeaderParameters,
} from 'jose';

import type { Clock } from './clock.js';
import { TesseraUnavailableError } from './errors.js';

/** The algorithms a Tessera token may be signed with here. Never HS256: a public key is no secret. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256'];

/** Tessera's published keys, in memory, refetched on an unknown `kid` at most once per interval. */
export interface KeySet {
  /** For `jwtVerify`: the key the token's header names. */
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey>;
  /** Fetches the set (at start). */
  load(): Promise<void>;
  readonly size: number;
}

export interface KeySetOptions {
  readonly jwksUri: string;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly refetchIntervalMs: number;
  readonly timeoutMs: number;
}

export function createKeySet(options: KeySetOptions): KeySet {
  let local: ReturnType<typeof createLocalJWKSet> | undefined;
  let size = 0;
  let fetchedAt = -Infinity;
  let inFlight: Promise<void> | undefined;

  // One fetch at a time; its start time is taken before it is sent, so a flood of tokens with made-up `kid`s arriving
  // together (or one after another) costs one request per interval, not one each.
  const load = () => {
    inFlight ??= (async () => {
      fetchedAt = options.clock.now();
      const keys = await fetchKeys(options);
      local = createLocalJWKSet({ keys });
      size = keys.length;
    })().finally(() => (inFlight = undefined));
    return inFlight;
  };

  return {
    load,
    get size() {
      return size;
    },
    async getKey(header, token) {
      if (!local) await load();
      try {
        return await local!(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        // A key published since the last fetch (a rotation) is found on the next one; a made-up one never is.
        if (inFlight) await inFlight;
        else if (options.clock.now() - fetchedAt >= options.refetchIntervalMs) await load();
        else throw error;
        return local!(header, token);
      }
    },
  };
}

async function fetchKeys(options: KeySetOptions): Promise<JWK[]> {
  let body: { keys?: unknown };
  try {
    const response = await options.fetch(options.jwksUri, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = (await response.json()) as { keys?: unknown };
  } catch (error) {
    throw new TesseraUnavailableError(`Tessera's keys could not be read from ${options.jwksUri}`, { cause: error });
  }
  if (!Array.isArray(body.keys)) throw new TesseraUnavailableError(`${options.jwksUri} is not a JWK set`);
  return body.keys.filter(isPublicSigningKey);
}

// Members that only private (or symmetric) keys have. A set that held one would be a leak at Tessera; the verifier
// still never uses such a key, so that nothing it holds could sign.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function isPublicSigningKey(key: unknown): key is JWK {
  if (typeof key !== 'object' || key === null) return false;
  const jwk = key as JWK;
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && !SIGNING_ALGORITHMS.includes(jwk.alg)) return false;
  return (jwk.kty === 'EC' && jwk.crv === 'P-256') || jwk.kty === 'RSA';
}
