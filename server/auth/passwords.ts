import { availableParallelism } from 'node:os';

import { hash, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';

/**
 * argon2id at OWASP's minimum recommended parameters (19 MiB, 2 passes, 1 lane). @node-rs/argon2 hashes on
 * libuv's thread pool, so a login never blocks the event loop.
 */
export const ARGON2_OPTIONS = {
  // Algorithm.Argon2id; the enum is a const enum that isolated modules cannot import.
  algorithm: 2,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Hashing runs on libuv's pool, off the event loop, but it still needs a core: with a hash on every core, the event
 * loop waits for CPU and every request slows down. At most (cores - 1) hashes run at once, leaving a core for the event loop; a login
 * flood queues here instead of starving the rest of the server.
 */
const hashing = pLimit(Math.max(1, availableParallelism() - 1));

/** How many hashes wait for a slot (`pending`) and how many run (`active`): the queue depth in the metrics. */
export function hashingQueue(): { pending: number; active: number } {
  return { pending: hashing.pendingCount, active: hashing.activeCount };
}

/**
 * Passwords are hashed in Unicode normalization form C (NIST SP 800-63B), so "é" typed as one code point on one
 * keyboard and as e + combining accent on another is the same password.
 */
export function hashPassword(password: string): Promise<string> {
  return hashing(() => hash(password.normalize('NFC'), ARGON2_OPTIONS));
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  const normalized = password.normalize('NFC');
  if (await verifyOnce(passwordHash, normalized)) return true;
  // Hashes made before passwords were normalized hold the bytes as typed: such an account still gets in. Only a
  // password that NFC changes costs this second check.
  return normalized !== password && verifyOnce(passwordHash, password);
}

async function verifyOnce(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await hashing(() => verify(passwordHash, password));
  } catch {
    // A malformed stored hash is a failed check, never an error that tells the client something.
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as checking a real password, for logins of users who do not exist, so that the
 * answer's timing does not tell whether a username is registered.
 */
export async function verifyAgainstDummyHash(password: string): Promise<false> {
  dummyHash ??= hashPassword('tessera-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}
