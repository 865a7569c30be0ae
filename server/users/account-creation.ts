import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import { checkNewPassword } from '../auth/password-policy.js';
import { hashPassword } from '../auth/passwords.js';
import type { Database, Role } from '../db/database.js';
import { findUserByUsername, insertUser } from '../db/user.repository.js';
import { UsernameTakenError, ValidationError } from '../errors.js';
import { checkEmail, checkUsername, checkWellFormed } from './user-input.js';
import { toUser, type User } from './user.js';

/** A new account's input, checked: what `createAccount` stores. */
export interface NewAccount {
  readonly username: string;
  /** Trimmed, or null when none was given. */
  readonly email: string | null;
  readonly password: string;
}

/**
 * Checks a new account's input as `register` and `tessera create-user` both require, before any query or hashing:
 * well-formed text, the username's alphabet, the email's shape and the password policy. Throws `ValidationError`.
 */
export function checkNewAccount(input: { username: string; email?: string | null; password: string }): NewAccount {
  checkWellFormed('password', input.password);
  checkUsername(input.username);
  const email = checkEmail(input.email);
  const passwordProblem = checkNewPassword(input.password, { username: input.username });
  if (passwordProblem) throw new ValidationError('password', passwordProblem);
  return { username: input.username, email, password: input.password };
}

/** Stores a checked account with its password hashed. Throws `UsernameTakenError`. */
export async function createAccount(db: Kysely<Database>, account: NewAccount, role: Role = 'USER'): Promise<User> {
  // Checked before hashing only to save the work; the unique index decides a race.
  if (await findUserByUsername(db, account.username)) throw new UsernameTakenError();
  const row = await insertUser(db, {
    id: randomUUID(),
    username: account.username,
    email: account.email,
    password_hash: await hashPassword(account.password),
    role,
  });
  if (!row) throw new UsernameTakenError();
  return toUser(row);
}
