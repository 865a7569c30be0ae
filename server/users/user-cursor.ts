import { USERNAME_MAX_LENGTH } from './user-input.js';

const PREFIX = 'User:';
const LOWERCASE_USERNAME = /^[a-z0-9@.+_-]+$/;

/**
 * Where a user stands in the list of users: their username without regard to case (unique), made opaque so clients
 * do not build cursors of their own.
 */
export function userCursor(user: { username: string }): string {
  return Buffer.from(`${PREFIX}${user.username.toLowerCase()}`).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one of ours (nothing of it reaches a query). */
export function decodeUserCursor(cursor: string): string | undefined {
  if (cursor.length > 2 * (PREFIX.length + USERNAME_MAX_LENGTH)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) return undefined;
  const position = text.slice(PREFIX.length);
  return position.length <= USERNAME_MAX_LENGTH && LOWERCASE_USERNAME.test(position) ? position : undefined;
}
