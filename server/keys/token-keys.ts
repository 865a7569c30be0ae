import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

import type { Kysely } from 'kysely';

import { dataDirectorySecret, loadJwtKey } from '../auth/jwt-secret.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { createSecretBox, secretBoxKey } from '../security/secret-box.js';
import { hmacKeyRing, openAsymmetricKeyRing, type KeyRing } from './key-ring.js';

/** Every key behind the tokens and the secrets at rest, loaded once at start. */
export interface TokenKeys {
  /** Signs and verifies access tokens. */
  readonly ring: KeyRing;
  /** Derives refresh-token successors: a key of its own, never a signing key. */
  readonly successorKey: KeyObject;
  /** Seals secrets at rest (TOTP secrets; the ring's private keys): KEY_ENCRYPTION_KEY or its stand-in. */
  readonly sealingKey: Buffer;
}

type KeyConfig = Pick<
  Config,
  'jwtAlgorithm' | 'jwtSecret' | 'dataDir' | 'keyEncryptionKey' | 'accessTokenTtlSeconds' | 'jwtClockToleranceSeconds'
>;

/**
 * HS256 (the default, as before): JWT_SECRET signs, derives successors and, without KEY_ENCRYPTION_KEY, the sealing
 * key. ES256/RS256: KEY_ENCRYPTION_KEY (outside production, one generated into the data directory) seals the ring's
 * private keys and derives the successor key; JWT_SECRET is not used.
 */
export async function loadTokenKeys(config: KeyConfig, db: Kysely<Database>, logger: Logger, clock: Clock) {
  if (config.jwtAlgorithm === 'HS256') {
    const jwtKey = await loadJwtKey(config, logger);
    return {
      ring: hmacKeyRing(jwtKey),
      successorKey: jwtKey,
      sealingKey: secretBoxKey(config.keyEncryptionKey, jwtKey),
    };
  }
  const sealingKey = config.keyEncryptionKey ?? (await generatedKeyEncryptionKey(config.dataDir, logger));
  const ring = await openAsymmetricKeyRing({
    db,
    box: createSecretBox(sealingKey),
    clock,
    algorithm: config.jwtAlgorithm,
    tokenLifeMs: (config.accessTokenTtlSeconds + config.jwtClockToleranceSeconds) * 1000,
    logger,
  });
  const successorKey = createSecretKey(
    Buffer.from(hkdfSync('sha256', sealingKey, Buffer.alloc(0), 'tessera refresh-token successors', 32)),
  );
  return { ring, successorKey, sealingKey } satisfies TokenKeys;
}

/** Outside production without KEY_ENCRYPTION_KEY: 32 bytes derived from a secret kept in the data directory. */
async function generatedKeyEncryptionKey(dataDir: string, logger: Logger): Promise<Buffer> {
  const secret = await dataDirectorySecret(dataDir, 'key-encryption-key');
  logger.warn(
    { dataDir },
    'KEY_ENCRYPTION_KEY is not set: the signing keys are sealed with a key kept in the data directory. Set it in production.',
  );
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), 'tessera key encryption key', 32));
}
