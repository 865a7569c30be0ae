import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { voidEmailTokensOnPasswordChange } from '../db/email-token.repository.js';
import { spendRefreshTokensOfSession } from '../db/refresh-token.repository.js';
import { findSessionForUpdate, revokeSessions } from '../db/session.repository.js';
import { findUserById, findUserByUsername, lockUser, raiseTokenVersion } from '../db/user.repository.js';
import { EmailNotVerifiedError, ExpectedError, InvalidCredentialsError, ValidationError } from '../errors.js';
import type { EmailVerificationService } from '../users/email-verification.service.js';
import { checkNewAccount, createAccount } from '../users/account-creation.js';
import { toUser } from '../users/user.js';
import { deleteUserRevoking } from '../users/user-deletion.js';
import { checkWellFormed, USERNAME_MAX_LENGTH } from '../users/user-input.js';
import type { AccessTokenClaims } from './access-tokens.js';
import { AuthFailure } from './auth-failure.js';
import { passLoginSteps, type LoginStep } from './login/login-steps.js';
import type { SecondStepIssuer } from '../mfa/mfa-challenges.js';
import { requireRecentLogin, type StepUpSettings } from './step-up.js';
import { checkNewPassword, isPlausiblePassword } from './password-policy.js';
import { hashPassword, verifyAgainstDummyHash, verifyPassword } from './passwords.js';
import { generateRefreshToken } from './refresh-tokens.js';
import { sessionRevoked, userVersionRaised } from './revocation-events.js';
import type { AuthEventLog } from '../events/auth-event-log.js';
import { inUnitOfWork } from '../events/unit-of-work.js';
import type { RevocationSink } from './revoking.js';
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
  /**
   * Deletes the token's user, with their sessions and tokens, once their password is confirmed. Answers once every
   * process refuses the user's access tokens. Returns the deleted user's id.
   */
  deleteAccount(token: AccessTokenClaims, input: { password: string }, client: ClientInfo): Promise<string>;
}

export function createAuthService(deps: {
  db: Kysely<Database>;
  settings: SessionSettings;
  sessions: SessionService;
  revocations: RevocationSink;
  events: AuthEventLog;
  rateLimits: RateLimits;
  emailVerification: EmailVerificationService;
  /** Between a checked password and a session (`loginSequence`). */
  loginSteps: readonly LoginStep[];
  /** What a login gets instead of a pair when a step asks for a second factor. */
  askForSecondStep: SecondStepIssuer;
  /** How recent a login `changePassword` and `deleteAccount` need (REAUTH_WINDOW). */
  stepUp: StepUpSettings;
  requireVerifiedEmail: boolean;
}): AuthService {
  const { db, settings, sessions, events, rateLimits, emailVerification, loginSteps, stepUp } = deps;
  const changes = deps;

  return {
    async register(input, client) {
      // Every check of the input comes before any query or hashing.
      const account = checkNewAccount(input);
      if (deps.requireVerifiedEmail && account.email === null) {
        throw new ValidationError(
          'email',
          'An email address is required: this server lets in verified addresses only.',
        );
      }
      // Per address only: a count per username would let anyone reserve a name with a few failed attempts.
      await rateLimits.attempt('register', { address: client.ip });
      // The account and its verification mail commit together.
      const user = await createAccount(changes, account, {
        inTransaction: (trx, created) => emailVerification.queueForNewAccount(trx, created),
        event: { client },
      });
      // Registering logs the new user in, as the classic register endpoint did, unless the address must be proved.
      if (deps.requireVerifiedEmail) {
        throw new EmailNotVerifiedError(
          'Your account is created. Confirm your email address with the link we sent you, then log in.',
        );
      }
      return sessions.open(user, client, 'registration');
    },

    async login({ username, password }, client) {
      // Text no account can hold (a NUL, a lone surrogate) is refused before any query or hashing: it reveals nothing.
      checkWellFormed('username', username);
      checkWellFormed('password', password);
      // Inputs no account can have are refused without a lookup, but only after the same hashing work.
      const plausible = username.length <= USERNAME_MAX_LENGTH && isPlausiblePassword(password);
      // Counted alike whether the account exists or not (so the limit reveals nothing either). The user is read
      // beside the count, not after it: one round trip fewer, and nothing is checked before the count admits.
      const [attempt, row] = await Promise.all([
        rateLimits.login({ account: username, address: client.ip }),
        plausible ? findUserByUsername(db, username) : undefined,
      ]);
      // The steps only read (account state, second factors): they run while the password hashes, their round trip
      // hidden under it, and what they answer is acted on only once the password was right.
      const candidate = row ? { user: toUser(row), client, amr: ['pwd'] } : undefined;
      const steps = candidate ? settle(passLoginSteps(loginSteps, candidate)) : undefined;
      const valid = row
        ? await verifyPassword(row.password_hash, password)
        : await verifyAgainstDummyHash(plausible ? password : '');
      if (!candidate || !steps || !valid) {
        await attempt.failed();
        // Never what was typed: a password typed into the username field must not land in the trail.
        await events.record({
          type: 'LOGIN_FAILED',
          userId: row?.id ?? null,
          client,
          detail: { reason: 'INVALID_CREDENTIALS' },
        });
        throw new InvalidCredentialsError();
      }
      // The password was right: from here on a refusal (a disabled account) tells its owner, and no one else.
      const { user } = candidate;
      const passed = await steps;
      // The count is forgiven beside what comes next (one round trip, not two); both end before the answer.
      const next = async () => {
        if (!passed.ok) {
          const error = passed.error;
          if (error instanceof ExpectedError) {
            await events.record({ type: 'LOGIN_FAILED', userId: user.id, client, detail: { reason: error.code } });
          }
          // Its owner, refused for an unproved address, gets a new link if the last one expired: no dead end.
          if (error instanceof EmailNotVerifiedError) await emailVerification.remind(user, client);
          throw error;
        }
        // A second factor is on: the answer is a challenge for `verifyMfa`, not a pair.
        if ('askFor' in passed.value) throw await deps.askForSecondStep(candidate, 'password', passed.value.askFor);
        return sessions.open(user, client, 'password', candidate.amr);
      };
      const [forgiven, answer] = await Promise.allSettled([attempt.succeeded(), next()]);
      if (forgiven.status === 'rejected') throw forgiven.reason;
      if (answer.status === 'rejected') throw answer.reason;
      return answer.value;
    },

    async changePassword(token, { currentPassword, newPassword }, client) {
      requireRecentLogin(token, stepUp);
      checkWellFormed('currentPassword', currentPassword);
      checkWellFormed('newPassword', newPassword);
      await rateLimits.attempt('changePassword', { account: token.userId, address: client.ip });
      const row = await findUserById(db, token.userId);
      const problem = checkNewPassword(newPassword, { username: row?.username });
      if (problem) throw new ValidationError('newPassword', problem);
      const valid =
        row && isPlausiblePassword(currentPassword) && (await verifyPassword(row.password_hash, currentPassword));
      if (!row || !valid) throw new InvalidCredentialsError('The current password is wrong.');
      const passwordHash = await hashPassword(newPassword);

      return inUnitOfWork(changes, async (trx, unit) => {
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
        unit.revoke(userVersionRaised(updated));
        const ended = await revokeSessions(trx, { userId: row.id, except: session.id }, 'PASSWORD_CHANGED');
        unit.revoke(...ended.map(sessionRevoked));
        unit.record({ type: 'PASSWORD_CHANGED', userId: row.id, sessionId: session.id, client });
        // A reset link mailed before would undo the change, and a pending change of address (whoever asked for it,
        // with the old password) would hand the account to another mailbox: both are void.
        await voidEmailTokensOnPasswordChange(trx, row.id, locked.email);
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

    async deleteAccount(token, { password }, client) {
      requireRecentLogin(token, stepUp);
      checkWellFormed('password', password);
      await rateLimits.attempt('deleteAccount', { account: token.userId, address: client.ip });
      const row = await findUserById(db, token.userId);
      const valid = row && isPlausiblePassword(password) && (await verifyPassword(row.password_hash, password));
      if (!row || !valid) throw new InvalidCredentialsError('The password is wrong.');

      return inUnitOfWork(changes, async (trx, unit) => {
        const locked = await lockUser(trx, row.id);
        // The password changed since it was checked above: the one given is no longer the account's.
        if (locked?.password_hash !== row.password_hash) throw new InvalidCredentialsError('The password is wrong.');
        const session = await findSessionForUpdate(trx, token.sessionId);
        // Revoked between the request's token check and now (a logout elsewhere): the token no longer stands.
        if (!session || session.revoked_at !== null) throw new AuthFailure('TOKEN_REVOKED');
        await deleteUserRevoking(trx, unit, row.id);
        // Without the address and user agent: the user's personal data goes with them.
        unit.record({ type: 'ACCOUNT_DELETED', userId: row.id, sessionId: session.id });
        return row.id;
      });
    },
  };
}

/** A promise's outcome as a value, so that it can be started now and acted on later without an unhandled rejection. */
function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
