import { ValidationError } from '../errors.js';

export const USERNAME_MAX_LENGTH = 150;
const USERNAME_PATTERN = /^[A-Za-z0-9@.+_-]+$/;
const EMAIL_MAX_LENGTH = 254;
// Deliberately loose: one @, something on each side, a dot in the domain. Only a sent mail proves an address.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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
export function checkEmail(email: string | null | undefined): string | null {
  const trimmed = email?.trim() ?? '';
  if (trimmed === '') return null;
  if (trimmed.length > EMAIL_MAX_LENGTH || !EMAIL_PATTERN.test(trimmed)) {
    throw new ValidationError('email', 'Enter a valid email address.');
  }
  return trimmed;
}

/** An id that is not a UUID matches nothing; asking Postgres would fail with a type error instead. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
