import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id at OWASP's minimum recommended parameters (19 MiB, 2 passes, 1 lane). @node-rs/argon2 hashes on
 * libuv's thread pool, so a login never blocks the event loop.
 */
const ARGON2_OPTIONS = {
  // Algorithm.Argon2id; the enum is a const enum that isolated modules cannot import.
  algorithm: 2,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
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
