import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

// zxcvbn-ts ships ~49,000 passwords ranked by how often they appear in breaches; we refuse every one of them
// (compared without regard to case: "Password1" is as guessable as "password1").
const commonPasswords = new Set((dictionary['passwords-common'] as string[]).map((word) => word.toLowerCase()));

/**
 * Returns why a new password is refused, or null when it is acceptable. NIST SP 800-63B: a length range and a
 * list of common passwords, no composition rules. Length counts characters (code points), not bytes. The
 * password is never trimmed or case-folded: it is kept exactly as typed.
 */
export function checkNewPassword(password: string): string | null {
  // Checked on the UTF-16 length first so a megabyte of input costs nothing more.
  if (password.length > PASSWORD_MAX_LENGTH * 2) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters.`;
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Password must be at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (commonPasswords.has(password.toLowerCase())) {
    return 'This password is too common and easily guessed. Choose another.';
  }
  return null;
}
