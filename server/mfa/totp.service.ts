import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';
import QRCode from 'qrcode';

import type { AccessTokenClaims } from '../auth/access-tokens.js';
import { AuthFailure } from '../auth/auth-failure.js';
import type { RevocationSink } from '../auth/revoking.js';
import type { ClientInfo } from '../auth/session.js';
import { requireRecentLogin, type StepUpSettings } from '../auth/step-up.js';
import type { Database } from '../db/database.js';
import {
  confirmFactor,
  deleteSecondFactors,
  findTotpFactorForUpdate,
  hasConfirmedFactor,
  replaceRecoveryCodes,
  replaceUnconfirmedFactor,
} from '../db/mfa.repository.js';
import { findUserById, lockUser } from '../db/user.repository.js';
import { InvalidMfaCodeError, TotpAlreadyEnabledError, ValidationError } from '../errors.js';
import type { AuthEventLog } from '../events/auth-event-log.js';
import { inUnitOfWork, type UnitOfWork } from '../events/unit-of-work.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { SecretBox } from '../security/secret-box.js';
import { checkWellFormed } from '../users/user-input.js';
import { toUser, type User } from '../users/user.js';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import { totpSealContext, useSecondFactorCode } from './second-factor-codes.js';
import { isTotpCodeShape, matchTotp, newTotpSecret, totpUri } from './totp.js';

/** What `enrollTotp` hands over, once: the secret, and the same as a URI and a QR code for the authenticator app. */
export interface TotpEnrollment {
  readonly secret: string;
  readonly uri: string;
  readonly qrCodeSvg: string;
}

export interface TotpService {
  isEnabled(userId: string): Promise<boolean>;
  /** Starts setting up an authenticator app; an earlier unconfirmed start is replaced. */
  enroll(token: AccessTokenClaims): Promise<TotpEnrollment>;
  /** Turns the enrolment on with a code from the app; returns the recovery codes (shown once). */
  confirm(token: AccessTokenClaims, code: string, client: ClientInfo): Promise<string[]>;
  /** Turns TOTP off (with its recovery codes); needs a recent login and a current code. */
  disable(token: AccessTokenClaims, code: string, client: ClientInfo): Promise<User>;
  /** New recovery codes in place of the old; needs a recent login and a current code. */
  regenerateRecoveryCodes(token: AccessTokenClaims, code: string, client: ClientInfo): Promise<string[]>;
}

export function createTotpService(deps: {
  db: Kysely<Database>;
  revocations: RevocationSink;
  events: AuthEventLog;
  rateLimits: RateLimits;
  secretBox: SecretBox;
  stepUp: StepUpSettings;
  /** The issuer the authenticator app shows (JWT_ISSUER). */
  issuer: string;
}): TotpService {
  const { db, rateLimits, secretBox, stepUp, issuer } = deps;
  const { clock } = stepUp;
  const changes = deps;

  /** New recovery codes for the user, stored hashed; returned as shown. */
  async function newRecoveryCodes(trx: Kysely<Database>, userId: string): Promise<string[]> {
    const codes = generateRecoveryCodes();
    await replaceRecoveryCodes(
      trx,
      userId,
      codes.map((code) => hashRecoveryCode(normalizeRecoveryCode(code)!)),
    );
    return codes;
  }

  /**
   * Runs `work` once a current code of the user's (TOTP or recovery code) checks out, in one transaction. A wrong
   * code is recorded (`MFA_FAILED`), committed, and answered `InvalidMfaCodeError`.
   */
  async function withCurrentCode<T>(
    token: AccessTokenClaims,
    code: string,
    client: ClientInfo,
    work: (trx: Kysely<Database>, unit: UnitOfWork) => Promise<T>,
  ): Promise<T> {
    requireRecentLogin(token, stepUp);
    checkWellFormed('code', code);
    await rateLimits.attempt('manageMfa', { account: token.userId, address: client.ip });
    const outcome = await inUnitOfWork(changes, async (trx, unit): Promise<{ value: T } | { wrong: true }> => {
      if (!(await lockUser(trx, token.userId))) throw new AuthFailure('TOKEN_REVOKED');
      if (!(await hasConfirmedFactor(trx, token.userId))) {
        throw new ValidationError('code', 'No authenticator app is set up for this account.');
      }
      if (!(await useSecondFactorCode(trx, secretBox, token.userId, code, clock.now()))) {
        unit.record({ type: 'MFA_FAILED', userId: token.userId, client, detail: { reason: 'INVALID_MFA_CODE' } });
        return { wrong: true };
      }
      return { value: await work(trx, unit) };
    });
    if ('wrong' in outcome) throw new InvalidMfaCodeError();
    return outcome.value;
  }

  return {
    isEnabled: (userId) => hasConfirmedFactor(db, userId),

    async enroll(token) {
      const row = await findUserById(db, token.userId);
      if (!row) throw new AuthFailure('TOKEN_REVOKED');
      // Replacing a working authenticator takes turning it off first, which asks for its code and a recent login.
      if (await hasConfirmedFactor(db, row.id)) throw new TotpAlreadyEnabledError();
      const secret = newTotpSecret();
      const id = randomUUID();
      await replaceUnconfirmedFactor(db, {
        id,
        userId: row.id,
        secretSealed: secretBox.seal(secret, totpSealContext({ id, user_id: row.id })),
      });
      const uri = totpUri(secret, { issuer, label: row.username });
      return { secret, uri, qrCodeSvg: await QRCode.toString(uri, { type: 'svg' }) };
    },

    async confirm(token, code, client) {
      checkWellFormed('code', code);
      await rateLimits.attempt('manageMfa', { account: token.userId, address: client.ip });
      const outcome = await inUnitOfWork(changes, async (trx, unit) => {
        if (!(await lockUser(trx, token.userId))) throw new AuthFailure('TOKEN_REVOKED');
        if (await hasConfirmedFactor(trx, token.userId)) throw new TotpAlreadyEnabledError();
        const pending = await findTotpFactorForUpdate(trx, token.userId, 'unconfirmed');
        if (!pending) throw new ValidationError('code', 'Set up an authenticator app first (enrollTotp).');
        const digits = code.replace(/\s/g, '');
        const secret = secretBox.open(pending.secret_sealed, totpSealContext(pending));
        const step = isTotpCodeShape(digits) ? matchTotp(secret, digits, clock.now()) : null;
        if (step === null) {
          unit.record({ type: 'MFA_FAILED', userId: token.userId, client, detail: { reason: 'INVALID_MFA_CODE' } });
          return undefined;
        }
        // The confirming code's step counts as used: it cannot log in a second time.
        await confirmFactor(trx, pending.id, step);
        unit.record({ type: 'MFA_ENABLED', userId: token.userId, sessionId: token.sessionId, client });
        return newRecoveryCodes(trx, token.userId);
      });
      if (!outcome) throw new InvalidMfaCodeError();
      return outcome;
    },

    async disable(token, code, client) {
      await withCurrentCode(token, code, client, async (trx, unit) => {
        await deleteSecondFactors(trx, token.userId);
        unit.record({ type: 'MFA_DISABLED', userId: token.userId, sessionId: token.sessionId, client });
      });
      const row = await findUserById(db, token.userId);
      if (!row) throw new AuthFailure('TOKEN_REVOKED');
      return toUser(row);
    },

    regenerateRecoveryCodes(token, code, client) {
      return withCurrentCode(token, code, client, async (trx, unit) => {
        unit.record({ type: 'RECOVERY_CODES_REGENERATED', userId: token.userId, sessionId: token.sessionId, client });
        return newRecoveryCodes(trx, token.userId);
      });
    },
  };
}
