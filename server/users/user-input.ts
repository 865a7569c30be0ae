import { ValidationError } from '../errors.js';

export const USERNAME_MAX_LENGTH = 150;
const USERNAME_PATTERN = /^[A-Za-z0-9@.+_-]+$/;
const EMAIL_MAX_LENGTH = 254;
// Deliberately loose: one @, something on each side, a dot in the domain. Only a sent mail proves an address.
const EMAIL_PATTERN = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

// With the `u` flag a surrogate pair is one code point, so only a lone (ill-formed) surrogate matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Refuses text no field of ours can hold: a NUL (Postgres text cannot store one, so it would fail as a query error)
 * or ill-formed UTF-16 (a lone surrogate, which any encoding step silently turns into U+FFFD, so two different inputs
 * would become the same). Checked before any hashing or query.
 */
export function checkWellFormed(field: string, value: string): void {
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) {
    throw new ValidationError(field, `The ${field} contains characters that are not allowed (NUL or invalid Unicode).`);
  }
}

/** Usernames: Django's alphabet (letters, digits and @ . + - _), ASCII only so that case folding is unambiguous. */
export function checkUsername(username: string): void {
  if (username.length === 0 || username.length > USERNAME_MAX_LENGTH) {
    throw new ValidationError('username', `Username must be 1 to ${USERNAME_MAX_LENGTH} characters.`);
  }
  if (!USERNAME_PATTERN.test(username)) {
    throw new ValidationError('username', 'Username may contain only letters, digits and @ . + - _');
  }
}

/** Returns the address to store: trimmed, or null when none was given. */
export function checkEmail(email: string | null | undefined, field = 'email'): string | null {
  const trimmed = email?.trim() ?? '';
  if (trimmed === '') return null;
  if (trimmed.length > EMAIL_MAX_LENGTH || !EMAIL_PATTERN.test(trimmed)) {
    throw new ValidationError(field, 'Enter a valid email address.');
  }
  return trimmed;
}

/** An id that is not a UUID matches nothing; asking Postgres would fail with a type error instead. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
