import { errors, jwtVerify } from 'jose';

import { readClaims, type TesseraClaims } from './claims.js';
import { systemClock, type Clock } from './clock.js';
import { fetchMetadata, type TesseraMetadata } from './discovery.js';
import { TesseraUnavailableError, TesseraVerificationError } from './errors.js';
import { introspect } from './introspection.js';
import { createKeySet, SIGNING_ALGORITHMS, type KeySet } from './key-set.js';
import { openRevocationFeed, type FeedStatus, type RevocationFeed } from './revocation-feed.js';
import { basicAuthorization, type ServiceCredentials } from './service-credentials.js';

export interface TesseraVerifierOptions {
  /** Tessera's base URL, e.g. `https://auth.example.com`: discovery is read from its `/.well-known/`. */
  issuer: string;
  /** What the tokens' `aud` must hold (Tessera's JWT_AUDIENCE). */
  audience: string;
  /** This service's credential, from `npx tessera service create <name>`: for the feed and introspection. */
  service: ServiceCredentials;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Where time is read, in milliseconds since the epoch (tests move it). */
  clock?: Clock;
  /** The least time between two fetches of the key set on an unknown `kid`. Default 30 s. */
  jwksRefetchIntervalMs?: number;
  /** How long without a heartbeat before the feed's state is no longer trusted. Default 3 s. */
  heartbeatTimeoutMs?: number;
  /** Leeway for `exp` and `iat`, for clocks that differ between hosts. Default 5 s. */
  clockToleranceSeconds?: number;
  /** How long to wait for discovery, keys or introspection to answer. Default 5 s. */
  requestTimeoutMs?: number;
}

export interface VerifierStatus {
  feed: FeedStatus;
  /** Public keys held. */
  keys: number;
  /** Revocation entries held. */
  revocations: number;
  lastEventId?: string;
  /** Why the feed's latest connection ended, or discovery failed. */
  lastError?: string;
}

export interface TesseraVerifier {
  /** Resolves the claims of a token that stands, or rejects (TesseraVerificationError, TesseraUnavailableError). */
  verify(token: string): Promise<TesseraClaims>;
  /** Resolves once discovery and keys are loaded and the feed is live (or has failed its first try). */
  ready(): Promise<void>;
  status(): VerifierStatus;
  /** Ends the feed and its timers. */
  close(): Promise<void>;
}

interface Connected {
  readonly metadata: TesseraMetadata;
  readonly keys: KeySet;
  readonly feed: RevocationFeed;
}

const MAX_TOKEN_LENGTH = 4096;
/** After discovery fails, the least time before the next try: a request flood must not become a discovery flood. */
const DISCOVERY_RETRY_MS = 1_000;

/**
 * Creates a verifier for Tessera access tokens in another service: signatures checked locally against Tessera's
 * published keys, revocations known from its feed within milliseconds, and introspection per token whenever the feed
 * cannot prove its state current. See the README, "Verifying tokens in other services".
 *
 * @param options - Tessera's URL, the expected audience and this service's credential.
 * @returns The verifier; it connects at once, and `verify` waits for that.
 * @example
 * ```ts
 * import { createTesseraVerifier } from 'tessera/verifier';
 *
 * const verifier = createTesseraVerifier({
 *   issuer: 'http://localhost:4000',
 *   audience: 'tessera',
 *   service: { id: process.env.TESSERA_SERVICE_ID!, secret: process.env.TESSERA_SERVICE_SECRET! },
 * });
 * await verifier.ready();
 * const claims = await verifier.verify(token); // throws TesseraVerificationError { code: 'TOKEN_REVOKED' }, ...
 * ```
 */
export function createTesseraVerifier(options: TesseraVerifierOptions): TesseraVerifier {
  const fetchImpl = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const tolerance = options.clockToleranceSeconds ?? 5;
  const authorization = basicAuthorization(options.service);
  let connected: Promise<Connected> | undefined;
  let current: Connected | undefined;
  let failure: { at: number; error: unknown } | undefined;
  let closed = false;

  async function connect(): Promise<Connected> {
    const metadata = await fetchMetadata(fetchImpl, options.issuer, timeoutMs);
    const keys = createKeySet({
      jwksUri: metadata.jwksUri,
      fetch: fetchImpl,
      clock,
      refetchIntervalMs: options.jwksRefetchIntervalMs ?? 30_000,
      timeoutMs,
    });
    await keys.load();
    if (closed) throw new TesseraUnavailableError('The verifier is closed');
    const feed = openRevocationFeed({
      url: metadata.revocationFeedEndpoint,
      authorization,
      fetch: fetchImpl,
      clock,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 3_000,
    });
    current = { metadata, keys, feed };
    return current;
  }

  function start(): Promise<Connected> {
    if (closed) return Promise.reject(new TesseraUnavailableError('The verifier is closed'));
    if (!connected && failure && clock.now() - failure.at < DISCOVERY_RETRY_MS) return Promise.reject(failure.error);
    connected ??= connect().catch((error: unknown) => {
      connected = undefined;
      failure = { at: clock.now(), error };
      throw error;
    });
    return connected;
  }
  // Connect now, not on the first request; a failure here is retried by the next `verify`.
  start().catch(() => {});

  async function verify(token: string): Promise<TesseraClaims> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
      throw new TesseraVerificationError('TOKEN_INVALID');
    const { metadata, keys, feed } = await start();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys.getKey, {
        algorithms: acceptedAlgorithms(metadata),
        issuer: metadata.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
        clockTolerance: tolerance,
        currentDate: new Date(clock.now()),
      }));
    } catch (error) {
      if (error instanceof TesseraUnavailableError) throw error;
      throw new TesseraVerificationError(error instanceof errors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
    }
    const claims = readClaims(payload, clock.now(), tolerance);
    // Revocations are never undone: one the feed has told of refuses the token even while the feed is down.
    const known = feed.state.check(claims);
    if (known) throw new TesseraVerificationError(known);
    if (feed.trusted()) return claims;
    const reason = await introspect(
      { url: metadata.introspectionEndpoint, authorization, fetch: fetchImpl, timeoutMs },
      token,
    );
    if (reason) throw new TesseraVerificationError(reason);
    return claims;
  }

  return {
    verify,
    async ready() {
      const { feed } = await start();
      await feed.settled;
    },
    status() {
      const feed = current?.feed;
      const lastError = feed?.lastError ?? (failure && !current ? describe(failure.error) : undefined);
      return {
        feed: feed?.status() ?? (failure ? 'down' : 'connecting'),
        keys: current?.keys.size ?? 0,
        revocations: feed?.state.size ?? 0,
        ...(feed?.lastEventId === undefined ? {} : { lastEventId: feed.lastEventId }),
        ...(lastError === undefined ? {} : { lastError }),
      };
    },
    async close() {
      closed = true;
      await connected?.catch(() => {});
      await current?.feed.close();
    },
  };
}

/**
 * ES256 and RS256, narrowed to what Tessera says it signs with: a token's header never chooses the algorithm, and a
 * Tessera that signs with HS256 (a shared secret) yields none, so every token is refused rather than half-trusted.
 */
function acceptedAlgorithms(metadata: TesseraMetadata): string[] {
  const announced = metadata.signingAlgorithms;
  return announced ? SIGNING_ALGORITHMS.filter((alg) => announced.includes(alg)) : SIGNING_ALGORITHMS;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
