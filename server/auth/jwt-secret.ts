import { randomBytes, createSecretKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from '../logger.js';

/**
 * The HMAC key as a `KeyObject`: jsonwebtoken re-imports a string secret on every verify, which costs about 50x
 * more than using a key object.
 *
 * With no JWT_SECRET (never in production; config refuses that), a random secret is generated once into the data
 * directory and reused, so tokens survive a restart and every worker on the machine shares it.
 */
export async function loadJwtKey(
  config: { jwtSecret: string | undefined; dataDir: string },
  logger: Logger,
): Promise<KeyObject> {
  if (config.jwtSecret !== undefined) return createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));

  const file = join(config.dataDir, 'jwt-secret');
  let secret = await readFile(file, 'utf8').catch(() => undefined);
  if (secret === undefined) {
    await mkdir(config.dataDir, { recursive: true });
    secret = randomBytes(48).toString('base64url');
    // 'wx' fails if another worker wrote it first; then read theirs.
    await writeFile(file, secret, { mode: 0o600, flag: 'wx' }).catch(async () => {
      secret = await readFile(file, 'utf8');
    });
  }
  logger.warn(
    { file },
    'JWT_SECRET is not set: using a generated secret kept in the data directory. Set JWT_SECRET in production.',
  );
  return createSecretKey(Buffer.from(secret.trim(), 'utf8'));
}
