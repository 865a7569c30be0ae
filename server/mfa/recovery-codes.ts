import { createHash, randomInt } from 'node:crypto';

/** How many codes a user gets at a time. */
export const RECOVERY_CODE_COUNT = 10;
/** 32 symbols, without the ones people confuse (0/o, 1/l): 10 of them are 50 random bits. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const LENGTH = 10;
const SHAPE = new RegExp(`^[${ALPHABET}]{${LENGTH}}$`);

/** New codes as shown to the user, `xxxx-xxxx-xx`. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const symbols = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;
  });
}

/** A typed code as stored: without dashes or spaces, lowercase. Undefined when it cannot be a recovery code. */
export function normalizeRecoveryCode(typed: string): string | undefined {
  const compact = typed.replace(/[\s-]/g, '').toLowerCase();
  return SHAPE.test(compact) ? compact : undefined;
}

/**
 * What is stored. A fast hash is enough: 50 random bits per code take far longer to search than a code lives, and
 * each is deleted when used.
 */
export function hashRecoveryCode(normalized: string): string {
  return createHash('sha256').update(normalized).digest('hex');
}
