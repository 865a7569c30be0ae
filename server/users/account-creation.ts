import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import { checkNewPassword } from '../auth/password-policy.js';
import { hashPassword } from '../auth/passwords.js';
import type { Database, Role } from '../db/database.js';
import { findUserByEmail, findUserByUsername, insertUser } from '../db/user.repository.js';
import { EmailTakenError, UsernameTakenError, ValidationError } from '../errors.js';
import { checkEmail, checkUsername, checkWellFormed } from './user-input.js';
import { toUser, type User } from './user.js';
import type { AuthEvent } from '../events/auth-event.js';
import { inUnitOfWork, type UnitOfWorkDependencies } from '../events/unit-of-work.js';

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

export interface AccountOptions {
  role?: Role;
  /** The address is proved already (an operator vouches for it): no verification mail is needed. */
  emailVerified?: boolean;
  /** Runs in the transaction that inserts the user, e.g. to queue its verification mail: both commit, or neither. */
  inTransaction?: (trx: Kysely<Database>, user: User) => Promise<void>;
  /** Where the `REGISTERED` event says it came from: the client, or the admin or CLI that made the account. */
  event?: Pick<AuthEvent, 'client' | 'detail'>;
}

/** Stores a checked account with its password hashed. Throws `UsernameTakenError` or `EmailTakenError`. */
export async function createAccount(
  changes: UnitOfWorkDependencies,
  account: NewAccount,
  options: AccountOptions = {},
): Promise<User> {
  const { db } = changes;
  // Checked before hashing only to save the work; the unique indexes decide a race.
  if (await findUserByUsername(db, account.username)) throw new UsernameTakenError();
  if (account.email !== null && (await findUserByEmail(db, account.email))) throw new EmailTakenError();
  const passwordHash = await hashPassword(account.password);
  return inUnitOfWork(changes, async (trx, unit) => {
    const row = await insertUser(trx, {
      id: randomUUID(),
      username: account.username,
      email: account.email,
      password_hash: passwordHash,
      role: options.role ?? 'USER',
      email_verified: account.email !== null && options.emailVerified === true,
    });
    // Another request took the username or the address since the checks above.
    if (!row)
      throw (await findUserByUsername(trx, account.username)) ? new UsernameTakenError() : new EmailTakenError();
    const user = toUser(row);
    unit.record({ type: 'REGISTERED', userId: user.id, ...options.event });
    await options.inTransaction?.(trx, user);
    return user;
  });
}
