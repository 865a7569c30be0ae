import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { spendRefreshTokensOfSession } from '../db/refresh-token.repository.js';
import { findSessionForUpdate, revokeSessions } from '../db/session.repository.js';
import { findUserById, findUserByUsername, insertUser, lockUser, raiseTokenVersion } from '../db/user.repository.js';
import { InvalidCredentialsError, UsernameTakenError, ValidationError } from '../errors.js';
import { toUser } from '../users/user.js';
import { checkEmail, checkUsername, checkWellFormed, USERNAME_MAX_LENGTH } from '../users/user-input.js';
import type { AccessTokenClaims } from './access-tokens.js';
import { AuthFailure } from './auth-failure.js';
import { checkNewPassword, PASSWORD_MAX_LENGTH } from './password-policy.js';
import { hashPassword, verifyAgainstDummyHash, verifyPassword } from './passwords.js';
import { generateRefreshToken } from './refresh-tokens.js';
import { sessionRevoked, userVersionRaised } from './revocation-events.js';
import { inRevokingTransaction, type RevocationSink } from './revoking.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { ClientInfo } from './session.js';
import type { SessionService } from './session.service.js';
import { issueTokenPair, type AuthPayload, type SessionSettings } from './token-pair.js';

export interface AuthService {
  register(
    input: { username: string; email?: string | null; password: string },
    client: ClientInfo,
  ): Promise<AuthPayload>;
  login(input: { username: string; password: string }, client: ClientInfo): Promise<AuthPayload>;
  /**
   * Changes the password of the token's user. Every other session ends, every access token minted before stops
   * working, and the caller's session gets a fresh pair.
   */
  changePassword(
    token: AccessTokenClaims,
    input: { currentPassword: string; newPassword: string },
    client: ClientInfo,
  ): Promise<AuthPayload>;
}

export function createAuthService(deps: {
  db: Kysely<Database>;
  settings: SessionSettings;
  sessions: SessionService;
  revocations: RevocationSink;
  rateLimits: RateLimits;
}): AuthService {
  const { db, settings, sessions, revocations, rateLimits } = deps;

  /** A password that cannot be an account's is refused without hashing it (a megabyte would cost real time). */
  const plausiblePassword = (password: string) => password.length <= PASSWORD_MAX_LENGTH * 2;

  return {
    async register({ username, email, password }, client) {
      // Every check of the input comes before any query or hashing.
      checkWellFormed('password', password);
      checkUsername(username);
      const storedEmail = checkEmail(email);
      const passwordProblem = checkNewPassword(password, { username });
      if (passwordProblem) throw new ValidationError('password', passwordProblem);
      // Per address only: a count per username would let anyone reserve a name with a few failed attempts.
      await rateLimits.attempt('register', { address: client.ip });
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
      return sessions.open(toUser(row), client);
    },

    async login({ username, password }, client) {
      // Text no account can hold (a NUL, a lone surrogate) is refused before any query or hashing: it reveals nothing.
      checkWellFormed('username', username);
      checkWellFormed('password', password);
      // Counted alike whether the account exists or not (so the limit reveals nothing either).
      const attempt = await rateLimits.login({ account: username, address: client.ip });
      // Inputs no account can have are refused without a lookup, but only after the same hashing work.
      const plausible = username.length <= USERNAME_MAX_LENGTH && plausiblePassword(password);
      const row = plausible ? await findUserByUsername(db, username) : undefined;
      const valid = row
        ? await verifyPassword(row.password_hash, password)
        : await verifyAgainstDummyHash(plausible ? password : '');
      if (!row || !valid) {
        await attempt.failed();
        throw new InvalidCredentialsError();
      }
      await attempt.succeeded();
      return sessions.open(toUser(row), client);
    },

    async changePassword(token, { currentPassword, newPassword }, client) {
      checkWellFormed('currentPassword', currentPassword);
      checkWellFormed('newPassword', newPassword);
      await rateLimits.attempt('changePassword', { account: token.userId, address: client.ip });
      const row = await findUserById(db, token.userId);
      const problem = checkNewPassword(newPassword, { username: row?.username });
      if (problem) throw new ValidationError('newPassword', problem);
      const valid =
        row && plausiblePassword(currentPassword) && (await verifyPassword(row.password_hash, currentPassword));
      if (!row || !valid) throw new InvalidCredentialsError('The current password is wrong.');
      const passwordHash = await hashPassword(newPassword);

      return inRevokingTransaction(db, revocations, async (trx, revoked) => {
        const locked = await lockUser(trx, row.id);
        // Another change committed since the password was checked above: the current password is no longer the one
        // that was checked, so this change must not overwrite it.
        if (locked?.password_hash !== row.password_hash) {
          throw new InvalidCredentialsError('The current password is wrong.');
        }
        const session = await findSessionForUpdate(trx, token.sessionId);
        // Revoked between the request's token check and now (a logout elsewhere): the token no longer stands.
        if (!session || session.revoked_at !== null) throw new AuthFailure('TOKEN_REVOKED');
        const updated = await raiseTokenVersion(trx, row.id, { password_hash: passwordHash });
        if (!updated) throw new InvalidCredentialsError();
        revoked.push(userVersionRaised(updated));
        const ended = await revokeSessions(trx, { userId: row.id, except: session.id }, 'PASSWORD_CHANGED');
        revoked.push(...ended.map(sessionRevoked));
        const now = new Date();
        // The caller's own refresh token is replaced too: whoever else may hold it is locked out with the rest.
        await spendRefreshTokensOfSession(trx, session.id, now);
        return issueTokenPair(trx, settings, {
          user: toUser(updated),
          session,
          refreshToken: generateRefreshToken(),
          now,
        });
      });
    },
  };
}
