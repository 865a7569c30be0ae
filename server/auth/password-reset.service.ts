import type { Kysely } from 'kysely';

import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import {
  consumeEmailToken,
  deleteEmailTokens,
  findEmailToken,
  replaceEmailToken,
} from '../db/email-token.repository.js';
import { enqueueMail } from '../db/mail-outbox.repository.js';
import { revokeSessions } from '../db/session.repository.js';
import { findUserByEmail, findUserById, lockUser, raiseTokenVersion } from '../db/user.repository.js';
import { InvalidTokenError, MailUnavailableError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { passwordResetMail } from '../mail/account-mails.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { MailLinkSettings, QueuedMail } from '../users/email-verification.service.js';
import { checkEmail, checkWellFormed } from '../users/user-input.js';
import { toUser } from '../users/user.js';
import type { LoginStep } from './login/login-steps.js';
import type { SecondStepIssuer } from '../mfa/mfa-challenges.js';
import { passLoginSteps } from './login/login-steps.js';
import { checkNewPassword } from './password-policy.js';
import { hashPassword } from './passwords.js';
import { sessionRevoked, userVersionRaised } from './revocation-events.js';
import type { AuthEventLog } from '../events/auth-event-log.js';
import { inUnitOfWork } from '../events/unit-of-work.js';
import type { RevocationSink } from './revoking.js';
import { generateSecretToken, hashSecretToken, isWellFormedSecretToken } from './secret-tokens.js';
import type { ClientInfo } from './session.js';
import type { SessionService } from './session.service.js';
import type { AuthPayload } from './token-pair.js';

export interface PasswordResetService {
  /**
   * Answers at once, the same whether or not an account has this address: the lookup and the mail happen in
   * `queued`, after the answer, so neither the body nor the time tells. `queued` never rejects (it logs).
   */
  request(email: string, client: ClientInfo): Promise<QueuedMail & { queued: Promise<void> }>;
  /**
   * Uses a reset link's token: sets the new password, ends every session of the account (every older access token
   * is refused on every process before this answers), marks the address verified (the mail reached it) and opens a
   * new session through the login steps (or, with a second factor on, throws `MfaRequired`: the password is changed,
   * and `verifyMfa` opens the session).
   */
  reset(token: string, newPassword: string, client: ClientInfo): Promise<AuthPayload>;
}

export function createPasswordResetService(deps: {
  db: Kysely<Database>;
  mail: MailLinkSettings;
  rateLimits: RateLimits;
  revocations: RevocationSink;
  events: AuthEventLog;
  sessions: SessionService;
  loginSteps: readonly LoginStep[];
  /** What a reset gets instead of a pair when a step asks for a second factor. */
  askForSecondStep: SecondStepIssuer;
  clock: Clock;
  logger: Logger;
}): PasswordResetService {
  const { db, mail, rateLimits, sessions, loginSteps, clock, logger } = deps;
  const changes = deps;

  async function queueReset(email: string, appUrl: string, client: ClientInfo): Promise<void> {
    const row = await findUserByEmail(db, email);
    // No account, or one that could not log in anyway: nothing is sent, and the caller was answered the same.
    if (!row || row.disabled) return;
    const token = generateSecretToken();
    await inUnitOfWork(changes, async (trx, unit) => {
      unit.record({ type: 'PASSWORD_RESET_REQUESTED', userId: row.id, client });
      await replaceEmailToken(trx, {
        tokenHash: hashSecretToken(token),
        userId: row.id,
        purpose: 'reset_password',
        email: row.email!,
        expiresAt: new Date(clock.now() + mail.passwordResetTtlSeconds * 1000),
      });
      await enqueueMail(
        trx,
        passwordResetMail({
          to: row.email!,
          username: row.username,
          appUrl,
          token,
          ttlSeconds: mail.passwordResetTtlSeconds,
        }),
      );
    });
  }

  return {
    async request(given, client) {
      checkWellFormed('email', given);
      const email = checkEmail(given);
      if (email === null) throw new ValidationError('email', 'Enter your email address.');
      if (!mail.enabled || mail.appUrl === undefined) throw new MailUnavailableError();
      // Counted per address given, whether or not an account has it, so the limit tells nothing either.
      await rateLimits.mail('requestPasswordReset', { recipient: email, address: client.ip });
      const queued = queueReset(email, mail.appUrl, client).catch((error: unknown) => {
        logger.error({ err: error }, 'A password reset mail could not be queued');
      });
      return { to: email, queued };
    },

    async reset(presented, newPassword, client) {
      checkWellFormed('token', presented);
      checkWellFormed('newPassword', newPassword);
      await rateLimits.attempt('resetPassword', { address: client.ip });
      if (!isWellFormedSecretToken(presented)) throw new InvalidTokenError();
      const tokenHash = hashSecretToken(presented);
      const now = new Date(clock.now());
      // Looked at, not used: a refused new password or a disabled account leaves the link working.
      const token = await findEmailToken(db, tokenHash, 'reset_password', now);
      const row = token && (await findUserById(db, token.user_id));
      if (!token || !row) throw new InvalidTokenError();
      const problem = checkNewPassword(newPassword, { username: row.username });
      if (problem) throw new ValidationError('newPassword', problem);
      // The mail reached the address it was sent to: if that is still the account's, it is proved now.
      const provesEmail = row.email !== null && row.email.toLowerCase() === token.email.toLowerCase();
      // The new password is what they know now: a second factor, when on, is still asked for (a mailbox is not one).
      const outcome = await passLoginSteps(loginSteps, {
        user: { ...toUser(row), emailVerified: row.email_verified || provesEmail },
        client,
        amr: ['pwd'],
      });
      const passwordHash = await hashPassword(newPassword);

      const user = await inUnitOfWork(changes, async (trx, unit) => {
        // The user's row first, as every writer of a user's tokens takes it (no deadlock with changePassword).
        await lockUser(trx, row.id);
        // Used up here: of two resets with one link, exactly one gets past this line.
        if (!(await consumeEmailToken(trx, tokenHash, 'reset_password', now))) throw new InvalidTokenError();
        const updated = await raiseTokenVersion(trx, row.id, {
          password_hash: passwordHash,
          ...(provesEmail ? { email_verified: true } : {}),
        });
        if (!updated) throw new InvalidTokenError();
        unit.revoke(userVersionRaised(updated));
        const ended = await revokeSessions(trx, { userId: row.id }, 'PASSWORD_RESET');
        unit.revoke(...ended.map(sessionRevoked));
        await deleteEmailTokens(trx, row.id, 'reset_password');
        unit.record({ type: 'PASSWORD_RESET', userId: row.id, client, detail: { count: ended.length } });
        return toUser(updated);
      });
      // The password is changed (the link is used up); the session waits for the second factor.
      if ('askFor' in outcome) {
        throw await deps.askForSecondStep({ user, client, amr: ['pwd'] }, 'password-reset', outcome.askFor);
      }
      return sessions.open(user, client, 'password-reset');
    },
  };
}
