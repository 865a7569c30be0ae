import type { Role, UserRow } from '../db/database.js';

/** A user as the rest of the server sees it: never the row, so the password hash cannot travel upward. */
export interface User {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly role: Role;
  readonly tokenVersion: number;
  readonly createdAt: Date;
  /**
   * Undefined when the user came from the per-process cache (`user-cache.ts`), which leaves it out because every
   * login changes it: the `lastLoginAt` field then reads it from the database.
   */
  readonly lastLoginAt?: Date | null;
  /** Disabled by an admin: cannot log in or refresh. */
  readonly disabled: boolean;
  /** The owner of `email` proved it. */
  readonly emailVerified: boolean;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    role: row.role,
    tokenVersion: row.token_version,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    disabled: row.disabled,
    emailVerified: row.email_verified,
  };
}
