import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Clock } from '../clock.js';
import type { JwtAlgorithm } from '../config.js';
import type { Database, SigningKeyRow } from '../db/database.js';
import { insertSigningKey, listSigningKeys, withSigningKeysLocked } from '../db/signing-key.repository.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../security/secret-box.js';
import { keyStandings, type KeyState } from './key-timeline.js';
import { generateSigningKey, importSigningKey, type AsymmetricAlgorithm } from './signing-key-material.js';

export interface KeyInUse {
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  readonly key: KeyObject;
}

/** A key of the ring as `tessera keys list` shows it. */
export interface KeyDescription {
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  readonly state: KeyState;
  readonly createdAt: Date;
  readonly signsFrom: Date;
  readonly verifiesUntil: Date | undefined;
}

/**
 * The keys access tokens are signed and verified with, each named by its `kid`. Verification looks the key up by the
 * token's `kid` and takes its algorithm from the ring, never from the token.
 */
export interface KeyRing {
  readonly algorithm: JwtAlgorithm;
  /** The key that signs new tokens now. */
  signingKey(): KeyInUse;
  /**
   * The key that verifies a token naming `kid`; undefined for a key the ring does not hold, or holds no longer.
   * No `kid` (tokens minted before there were any): only the HMAC key answers.
   */
  verificationKey(kid: string | undefined): KeyInUse | undefined;
  /** Public keys for /.well-known/jwks.json: next, current and retiring ones, never a private or symmetric one. */
  publishedKeys(): Record<string, string>[];
  describe(): KeyDescription[];
  /** Reads the ring again from the database (a rotation made by another process). */
  reload(): Promise<void>;
}

/**
 * HS256: one key, JWT_SECRET, outside the database. Its `kid` is an HMAC under the key itself: it names the key
 * without telling anything about it, and changes when the secret does.
 */
export function hmacKeyRing(secret: KeyObject): KeyRing {
  const kid = `hs-${createHmac('sha256', secret).update('tessera key id').digest('base64url').slice(0, 16)}`;
  const inUse: KeyInUse = { kid, algorithm: 'HS256', key: secret };
  const created = new Date(0);
  return {
    algorithm: 'HS256',
    signingKey: () => inUse,
    verificationKey: (tokenKid) => (tokenKid === undefined || tokenKid === kid ? inUse : undefined),
    publishedKeys: () => [],
    describe: () => [
      { kid, algorithm: 'HS256', state: 'current', createdAt: created, signsFrom: created, verifiesUntil: undefined },
    ],
    reload: async () => {},
  };
}

export interface AsymmetricKeyRingSettings {
  readonly db: Kysely<Database>;
  /** Seals and opens the private keys (KEY_ENCRYPTION_KEY). */
  readonly box: SecretBox;
  readonly clock: Clock;
  readonly algorithm: AsymmetricAlgorithm;
  /** How long a retired key keeps verifying once its successor signs: the longest an access token lives. */
  readonly tokenLifeMs: number;
  readonly logger: Logger;
}

interface LoadedKey {
  readonly row: SigningKeyRow;
  readonly activatesAt: number;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A reload asked for by an unknown `kid` waits this long after the last: a flood of made-up kids costs one query. */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 10_000;
/**
 * Signing reads the ring again in the background once it is this old, should a rotation's notice have been missed
 * (a lost listener, REVOCATION_CHECK=database): far within KEY_PUBLISH_DELAY, so no process signs with a key the
 * others have retired.
 */
const SIGNING_RELOAD_INTERVAL_MS = 60_000;

/**
 * ES256 or RS256: the keys live in Postgres, private halves sealed. On first start (or when JWT_ALGORITHM changes) a
 * key of the configured algorithm is made and signs at once; later keys come from `tessera keys rotate` and sign only
 * after their publish delay.
 */
export async function openAsymmetricKeyRing(settings: AsymmetricKeyRingSettings): Promise<KeyRing> {
  const { db, box, clock, algorithm, tokenLifeMs, logger } = settings;
  let keys: LoadedKey[] = [];
  let byKid = new Map<string, LoadedKey>();
  let lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  let loadedAt = Number.NEGATIVE_INFINITY;
  let reloading: Promise<void> | undefined;

  await withSigningKeysLocked(db, async (trx) => {
    const rows = await listSigningKeys(trx);
    const latest = rows.at(-1);
    if (latest?.algorithm === algorithm) return;
    // No key yet, or the algorithm changed: a key that signs now (no verifier can hold it yet, nor any older one).
    await addSigningKey(trx, box, algorithm, new Date(clock.now()));
    logger.info({ algorithm }, 'Made a signing key for access tokens');
  });

  function reloadInBackground() {
    reloading ??= reload()
      .catch((error: unknown) => logger.error({ err: error }, 'Could not reload the signing keys'))
      .finally(() => (reloading = undefined));
  }

  async function reload() {
    loadedAt = clock.now();
    const rows = await listSigningKeys(db);
    const standings = keyStandings(toTimeline(rows), clock.now(), tokenLifeMs);
    // Expired keys are not even opened: they verify nothing.
    keys = rows
      .filter((row) => standings.get(row.kid)?.state !== 'expired')
      .map((row) => ({ row, activatesAt: row.activates_at.getTime(), ...openKey(box, row) }));
    byKid = new Map(keys.map((key) => [key.row.kid, key]));
  }
  await reload();

  const standings = () => keyStandings(toTimeline(keys.map((key) => key.row)), clock.now(), tokenLifeMs);
  const inUse = (key: LoadedKey): KeyInUse => ({ kid: key.row.kid, algorithm: key.row.algorithm, key: key.privateKey });

  return {
    algorithm,
    signingKey() {
      const now = clock.now();
      if (now - loadedAt >= SIGNING_RELOAD_INTERVAL_MS) reloadInBackground();
      // The latest key that has started signing (the ring is ordered by start).
      for (let index = keys.length - 1; index >= 0; index--) {
        if (keys[index]!.activatesAt <= now) return inUse(keys[index]!);
      }
      return inUse(keys[0]!); // a clock behind the one that made the first key: it is the only candidate
    },
    verificationKey(kid) {
      const key = kid === undefined ? undefined : byKid.get(kid);
      if (!key) {
        if (kid !== undefined && clock.now() - lastUnknownKidReload >= UNKNOWN_KID_RELOAD_INTERVAL_MS) {
          // Perhaps a rotation this process has not heard of: read the ring again, for the next token.
          lastUnknownKidReload = clock.now();
          reloadInBackground();
        }
        return undefined;
      }
      if (standings().get(key.row.kid)?.state === 'expired') return undefined;
      return { kid: key.row.kid, algorithm: key.row.algorithm, key: key.publicKey };
    },
    publishedKeys() {
      const now = standings();
      return keys
        .filter((key) => now.get(key.row.kid)?.state !== 'expired')
        .map((key) => ({ ...key.row.public_jwk, alg: key.row.algorithm, use: 'sig' }));
    },
    describe: () =>
      describeKeys(
        keys.map((key) => key.row),
        clock.now(),
        tokenLifeMs,
      ),
    reload,
  };
}

/** Adds the next key: published at once, signing from `activatesAt`. */
export async function addSigningKey(
  db: Kysely<Database>,
  box: SecretBox,
  algorithm: AsymmetricAlgorithm,
  activatesAt: Date,
): Promise<string> {
  const { kid, publicJwk, privateKeyPem } = generateSigningKey(algorithm);
  await insertSigningKey(db, {
    kid,
    algorithm,
    public_jwk: publicJwk,
    private_key_sealed: box.seal(privateKeyPem, sealContext(kid)),
    activates_at: activatesAt,
  });
  return kid;
}

/** Every key of the ring with its state at `now`, expired ones included (for `tessera keys list`). */
export function describeKeys(rows: readonly SigningKeyRow[], now: number, tokenLifeMs: number): KeyDescription[] {
  const standings = keyStandings(toTimeline(rows), now, tokenLifeMs);
  return rows.map((row) => {
    const standing = standings.get(row.kid)!;
    return {
      kid: row.kid,
      algorithm: row.algorithm,
      state: standing.state,
      createdAt: row.created_at,
      signsFrom: row.activates_at,
      verifiesUntil: standing.verifiesUntil === undefined ? undefined : new Date(standing.verifiesUntil),
    };
  });
}

const toTimeline = (rows: readonly SigningKeyRow[]) =>
  rows.map((row) => ({ kid: row.kid, activatesAt: row.activates_at.getTime() }));

/** What a private key's seal is bound to: its own `kid`, so a sealed key moved to another row does not open. */
const sealContext = (kid: string) => `signing_keys:${kid}`;

function openKey(box: SecretBox, row: SigningKeyRow): { privateKey: KeyObject; publicKey: KeyObject } {
  const { privateKey, publicKey } = importSigningKey(
    row.algorithm,
    box.open(row.private_key_sealed, sealContext(row.kid)),
  );
  // The published half must be the private key's own: a row whose JWK was changed would verify someone else's tokens.
  const stored = createPublicKey({ key: row.public_jwk, format: 'jwk' });
  if (!stored.equals(publicKey)) throw new Error(`Signing key ${row.kid}: its public key is not its private key's`);
  return { privateKey, publicKey };
}
