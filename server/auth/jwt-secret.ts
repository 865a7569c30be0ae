import { randomBytes, createSecretKey, type KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { ConfigError } from '../config.js';
import type { Logger } from '../logger.js';

const MIN_SECRET_BYTES = 32;

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
  const secret = await dataDirectorySecret(config.dataDir, 'jwt-secret');
  logger.warn(
    { file },
    'JWT_SECRET is not set: using a generated secret kept in the data directory. Set JWT_SECRET in production.',
  );
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/**
 * A random secret kept in the data directory under `name` (48 random bytes, base64url): read when there, made
 * once when not. Outside production only; never a weak one (a short file is an error).
 */
export async function dataDirectorySecret(dataDir: string, name: string): Promise<string> {
  const file = join(dataDir, name);
  return (await readStoredSecret(file)) ?? (await storeNewSecret(dataDir, file));
}

/** The stored secret, or undefined when there is none. A short or empty one is an error, never a weak key. */
async function readStoredSecret(file: string): Promise<string | undefined> {
  const stored = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stored === undefined) return undefined;
  const secret = stored.trim();
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `${file} holds no usable secret (under ${MIN_SECRET_BYTES} bytes): delete it, or set the variable it stands for`,
    );
  }
  return secret;
}

/**
 * Writes a new secret completely to a temporary file, then links it into place: the secret file never exists
 * half-written, and when two processes race, the first link wins and the other reads the winner's.
 */
async function storeNewSecret(dataDir: string, file: string): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(secret);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, file);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readStoredSecret(file);
    if (winner === undefined) throw error;
    return winner;
  } finally {
    await rm(temporary, { force: true });
  }
}
