import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { insertRevokedToken } from '../db/revoked-token.repository.js';
import { findUserByUsername, insertUser, recordLogin } from '../db/user.repository.js';
import { InvalidCredentialsError, UsernameTakenError, ValidationError } from '../errors.js';
import { toUser, type User } from '../users/user.js';
import { checkEmail, checkUsername, USERNAME_MAX_LENGTH } from '../users/user-input.js';
import { signAccessToken, type AccessTokenClaims, type TokenSettings } from './access-tokens.js';
import { checkNewPassword, PASSWORD_MAX_LENGTH } from './password-policy.js';
import { hashPassword, verifyAgainstDummyHash, verifyPassword } from './passwords.js';

export interface AuthPayload {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly user: User;
}

export interface AuthService {
  register(input: { username: string; email?: string | null; password: string }): Promise<AuthPayload>;
  login(input: { username: string; password: string }): Promise<AuthPayload>;
  /** Blacklists the presented access token until it would have expired. */
  logout(token: AccessTokenClaims): Promise<void>;
}

export function createAuthService(deps: { db: Kysely<Database>; tokens: TokenSettings }): AuthService {
  const { db, tokens } = deps;

  function issue(user: User): AuthPayload {
    const access = signAccessToken(tokens, { userId: user.id, role: user.role, tokenVersion: user.tokenVersion });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, user };
  }

  return {
    async register({ username, email, password }) {
      checkUsername(username);
      const storedEmail = checkEmail(email);
      const passwordProblem = checkNewPassword(password);
      if (passwordProblem) throw new ValidationError('password', passwordProblem);
      // Checked before hashing only to save the work; the unique index decides a race.
      if (await findUserByUsername(db, username)) throw new UsernameTakenError();

      const row = await insertUser(db, {
        id: randomUUID(),
        username,
        email: storedEmail,
        password_hash: await hashPassword(password),
      });
      if (!row) throw new UsernameTakenError();
      // Registering logs the new user in, as the classic register endpoint did.
      const lastLoginAt = await recordLogin(db, row.id);
      return issue({ ...toUser(row), lastLoginAt });
    },

    async login({ username, password }) {
      // Inputs no account can have are refused without a lookup, but only after the same hashing work.
      const plausible = username.length <= USERNAME_MAX_LENGTH && password.length <= PASSWORD_MAX_LENGTH * 2;
      const row = plausible ? await findUserByUsername(db, username) : undefined;
      const valid = row
        ? await verifyPassword(row.password_hash, password)
        : await verifyAgainstDummyHash(plausible ? password : '');
      if (!row || !valid) throw new InvalidCredentialsError();
      const lastLoginAt = await recordLogin(db, row.id);
      return issue({ ...toUser(row), lastLoginAt });
    },

    async logout(token) {
      await insertRevokedToken(db, {
        jti: token.jti,
        userId: token.userId,
        expiresAt: new Date(token.expiresAt * 1000),
      });
    },
  };
}
