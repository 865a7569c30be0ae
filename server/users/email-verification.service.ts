import type { Kysely } from 'kysely';

import type { AccessTokenClaims } from '../auth/access-tokens.js';
import { AuthFailure } from '../auth/auth-failure.js';
import { isPlausiblePassword } from '../auth/password-policy.js';
import { verifyPassword } from '../auth/passwords.js';
import { generateSecretToken, hashSecretToken, isWellFormedSecretToken } from '../auth/secret-tokens.js';
import type { ClientInfo } from '../auth/session.js';
import { userChanged } from '../auth/revocation-events.js';
import type { RevocationSink } from '../auth/revoking.js';
import type { Clock } from '../clock.js';
import type { AuthEventLog } from '../events/auth-event-log.js';
import { inUnitOfWork } from '../events/unit-of-work.js';
import type { Database } from '../db/database.js';
import {
  consumeEmailToken,
  deleteEmailTokens,
  findEmailToken,
  hasLiveEmailToken,
  replaceEmailToken,
} from '../db/email-token.repository.js';
import { enqueueMail } from '../db/mail-outbox.repository.js';
import { findUserByEmail, findUserById, lockUser, setVerifiedEmail } from '../db/user.repository.js';
import {
  EmailTakenError,
  InvalidCredentialsError,
  InvalidTokenError,
  MailUnavailableError,
  RateLimitedError,
  ValidationError,
} from '../errors.js';
import { emailChangeNotice, verificationMail } from '../mail/account-mails.js';
import type { RateLimits } from '../security/rate-limits.js';
import { checkEmail, checkWellFormed } from './user-input.js';
import { toUser, type User } from './user.js';

/** What the features that send links by mail need to know. */
export interface MailLinkSettings {
  /** False in production without SMTP_URL: every feature that needs a mail answers `MailUnavailableError`. */
  readonly enabled: boolean;
  /** The front end the links open (APP_URL). */
  readonly appUrl: string | undefined;
  readonly emailTokenTtlSeconds: number;
  readonly passwordResetTtlSeconds: number;
}

/** Where a mail was queued: the answer of every mutation that sends one. */
export interface QueuedMail {
  readonly to: string;
}

export interface EmailVerificationService {
  /** In the transaction that creates an account with an address: queues its verification mail (none if mail is off). */
  queueForNewAccount(trx: Kysely<Database>, user: User): Promise<void>;
  /**
   * After a login refused for an unverified address (REQUIRE_VERIFIED_EMAIL): mails a new link when no live one was
   * sent, so an expired link is no dead end. Within the mail limits; never throws for them.
   */
  remind(user: User, client: ClientInfo): Promise<void>;
  /** Sends another verification mail for the viewer's current address. */
  request(claims: AccessTokenClaims, client: ClientInfo): Promise<QueuedMail>;
  /**
   * Uses a verification link's token: the address it was sent to becomes the account's, proved. Needs no login (the
   * link may be opened on another device). Throws `InvalidTokenError`, or `EmailTakenError` when a change of address
   * lost a race for it.
   */
  verify(token: string, client: ClientInfo): Promise<User>;
  /**
   * Sends a verification mail to a new address and a notice to the old one, once the password is confirmed. The
   * account's address changes only when the new one is verified.
   */
  changeEmail(
    claims: AccessTokenClaims,
    input: { newEmail: string; password: string },
    client: ClientInfo,
  ): Promise<QueuedMail>;
}

/** Postgres's unique_violation: another account took the address between the check and the write. */
const UNIQUE_VIOLATION = '23505';

export function createEmailVerificationService(deps: {
  db: Kysely<Database>;
  revocations: RevocationSink;
  events: AuthEventLog;
  mail: MailLinkSettings;
  rateLimits: RateLimits;
  clock: Clock;
}): EmailVerificationService {
  const { db, mail, rateLimits, clock } = deps;
  const changes = deps;

  function requireMail(): string {
    if (!mail.enabled || mail.appUrl === undefined) throw new MailUnavailableError();
    return mail.appUrl;
  }

  /**
   * A new token for `email` and its mail, in the caller's transaction. It voids older links: all of them for a change
   * of address, only those to the same address for another mail to the current one (a pending change stays).
   */
  async function queueVerification(
    trx: Kysely<Database>,
    user: { id: string; username: string },
    email: string,
    voids: 'all' | 'sameEmail' = 'all',
  ) {
    const appUrl = requireMail();
    const token = generateSecretToken();
    await replaceEmailToken(
      trx,
      {
        tokenHash: hashSecretToken(token),
        userId: user.id,
        purpose: 'verify_email',
        email,
        expiresAt: new Date(clock.now() + mail.emailTokenTtlSeconds * 1000),
      },
      voids,
    );
    await enqueueMail(
      trx,
      verificationMail({ to: email, username: user.username, appUrl, token, ttlSeconds: mail.emailTokenTtlSeconds }),
    );
  }

  async function currentUser(claims: AccessTokenClaims) {
    const row = await findUserById(db, claims.userId);
    // Deleted since the request's token check.
    if (!row) throw new AuthFailure('TOKEN_REVOKED');
    return row;
  }

  return {
    async queueForNewAccount(trx, user) {
      if (user.email === null || user.emailVerified || !mail.enabled) return;
      await queueVerification(trx, user, user.email);
    },

    async remind(user, client) {
      const email = user.email;
      if (email === null || user.emailVerified || !mail.enabled) return;
      if (await hasLiveEmailToken(db, user.id, 'verify_email', email, new Date(clock.now()))) return;
      try {
        await rateLimits.mail('requestEmailVerification', { recipient: email, address: client.ip });
      } catch (error) {
        if (error instanceof RateLimitedError) return;
        throw error;
      }
      await db.transaction().execute((trx) => queueVerification(trx, user, email, 'sameEmail'));
    },

    async request(claims, client) {
      requireMail();
      const row = await currentUser(claims);
      if (row.email === null) {
        throw new ValidationError('email', 'Your account has no email address. Add one with changeEmail.');
      }
      if (row.email_verified) throw new ValidationError('email', 'Your email address is already verified.');
      await rateLimits.mail('requestEmailVerification', { recipient: row.email, address: client.ip });
      await inUnitOfWork(changes, async (trx, unit) => {
        unit.record({ type: 'EMAIL_VERIFICATION_REQUESTED', userId: row.id, client });
        await queueVerification(trx, row, row.email!, 'sameEmail');
      });
      return { to: row.email };
    },

    async verify(presented, client) {
      checkWellFormed('token', presented);
      await rateLimits.attempt('verifyEmail', { address: client.ip });
      if (!isWellFormedSecretToken(presented)) throw new InvalidTokenError();
      const now = new Date(clock.now());
      try {
        return await inUnitOfWork(changes, async (trx, unit) => {
          const tokenHash = hashSecretToken(presented);
          const found = await findEmailToken(trx, tokenHash, 'verify_email', now);
          if (!found) throw new InvalidTokenError();
          // The user's row first, as every writer of a user's tokens takes it (no deadlock with changeEmail).
          const previous = await lockUser(trx, found.user_id);
          const token = previous && (await consumeEmailToken(trx, tokenHash, 'verify_email', now));
          if (!token) throw new InvalidTokenError();
          const owner = await findUserByEmail(trx, token.email);
          if (owner && owner.id !== token.user_id) throw new EmailTakenError();
          const updated = await setVerifiedEmail(trx, token.user_id, token.email);
          if (!updated) throw new InvalidTokenError();
          // A change of address: reset links mailed to the old one would let whoever reads it take the account back.
          const changed = previous.email?.toLowerCase() !== token.email.toLowerCase();
          if (changed) await deleteEmailTokens(trx, token.user_id, 'reset_password');
          unit.record({ type: 'EMAIL_VERIFIED', userId: token.user_id, client, detail: { email: token.email } });
          // The address and its proof changed: every process's user cache drops the old ones before this answers.
          unit.revoke(userChanged(token.user_id));
          return toUser(updated);
        });
      } catch (error) {
        if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw new EmailTakenError();
        throw error;
      }
    },

    async changeEmail(claims, { newEmail, password }, client) {
      checkWellFormed('newEmail', newEmail);
      checkWellFormed('password', password);
      const email = checkEmail(newEmail, 'newEmail');
      if (email === null) throw new ValidationError('newEmail', 'Enter the new email address.');
      requireMail();
      await rateLimits.attempt('changeEmail', { account: claims.userId, address: client.ip });
      const row = await currentUser(claims);
      if (!isPlausiblePassword(password) || !(await verifyPassword(row.password_hash, password))) {
        throw new InvalidCredentialsError('The password is wrong.');
      }
      if (row.email === email && row.email_verified) {
        throw new ValidationError('newEmail', 'This is already your verified address.');
      }
      const owner = await findUserByEmail(db, email);
      if (owner && owner.id !== row.id) throw new EmailTakenError();
      await rateLimits.mail('changeEmail', { recipient: email, address: client.ip });
      await inUnitOfWork(changes, async (trx, unit) => {
        unit.record({ type: 'EMAIL_CHANGE_REQUESTED', userId: row.id, client, detail: { newEmail: email } });
        // The password changed since it was checked above: the one given is no longer the account's.
        const locked = await lockUser(trx, row.id);
        if (locked?.password_hash !== row.password_hash) throw new InvalidCredentialsError('The password is wrong.');
        await queueVerification(trx, row, email);
        if (locked.email !== null && locked.email.toLowerCase() !== email.toLowerCase()) {
          await enqueueMail(trx, emailChangeNotice({ to: locked.email, username: row.username, newEmail: email }));
        }
      });
      return { to: email };
    },
  };
}
