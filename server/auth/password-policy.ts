import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

// zxcvbn-ts ships ~49,000 passwords ranked by how often they appear in breaches; we refuse every one of them
// (compared without regard to case: "Password1" is as guessable as "password1").
const commonPasswords = new Set((dictionary['passwords-common'] as string[]).map((word) => word.toLowerCase()));

/** Names a password must not be: the service's own (NIST SP 800-63B's "context-specific words"). */
const SERVICE_NAMES = ['tessera'];
const ONLY_TACKED_ON = /^[\p{N}\p{P}\p{S}\s]*$/u;

/**
 * Returns why a new password is refused, or null when it is acceptable. NIST SP 800-63B: a length range, a list of
 * common passwords and context-specific words (the username, the service's name), no composition rules. Length counts
 * characters (code points) of the NFC form that is hashed (`passwords.ts`), not bytes. The password is otherwise kept
 * exactly as typed: never trimmed or case-folded.
 */
export function checkNewPassword(password: string, context: { username?: string } = {}): string | null {
  // Checked on the UTF-16 length first so a megabyte of input costs nothing more.
  if (password.length > PASSWORD_MAX_LENGTH * 2) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters.`;
  const normalized = password.normalize('NFC');
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return `Password must be at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters.`;
  const folded = normalized.toLowerCase();
  if (commonPasswords.has(folded)) return 'This password is too common and easily guessed. Choose another.';
  // The name with digits or punctuation tacked on ("alice2024!", "tessera123") is as good as the name.
  const names = [...SERVICE_NAMES, ...(context.username ? [context.username.toLowerCase()] : [])];
  if (names.some((name) => folded.startsWith(name) && ONLY_TACKED_ON.test(folded.slice(name.length)))) {
    return 'A password must not be your username or the name of this service. Choose another.';
  }
  return null;
}

/** A password that cannot be an account's is refused without hashing it (a megabyte would cost real time). */
export function isPlausiblePassword(password: string): boolean {
  return password.length <= PASSWORD_MAX_LENGTH * 2;
}
