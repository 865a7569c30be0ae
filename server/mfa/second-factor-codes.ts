import type { Kysely } from 'kysely';

import type { MfaMethod } from '../auth/login/mfa-required.js';
import type { Database, MfaFactorRow } from '../db/database.js';
import {
  advanceFactorStep,
  consumeRecoveryCode,
  countRecoveryCodes,
  findTotpFactorForUpdate,
  hasConfirmedFactor,
} from '../db/mfa.repository.js';
import { hasPasskey } from '../db/passkey.repository.js';
import type { SecretBox } from '../security/secret-box.js';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import { isTotpCodeShape, matchTotp } from './totp.js';

/** Which kind of code passed: said in `MFA_PASSED` (`method`). */
export type SecondFactorCodeKind = 'totp' | 'recovery-code';

/** What a TOTP factor's sealed secret is bound to: its own row and owner. */
export function totpSealContext(factor: Pick<MfaFactorRow, 'id' | 'user_id'>): string {
  return `mfa_factors:${factor.id}:${factor.user_id}`;
}

/**
 * The second factors a user can give at a password login: none when TOTP is off (a passkey alone is a way in of
 * its own, and turns on no second step); with it on, their passkeys answer too.
 */
export async function mfaMethodsOf(db: Kysely<Database>, userId: string): Promise<MfaMethod[]> {
  if (!(await hasConfirmedFactor(db, userId))) return [];
  const [recoveryCodes, passkeys] = await Promise.all([countRecoveryCodes(db, userId), hasPasskey(db, userId)]);
  return ['TOTP', ...(recoveryCodes > 0 ? ['RECOVERY_CODE' as const] : []), ...(passkeys ? ['PASSKEY' as const] : [])];
}

/**
 * Uses a code of the user's, in the caller's transaction: a TOTP code from their authenticator (refused when its time
 * step, or a later one, was accepted before: a replay), or one of their recovery codes (used up). Undefined when it is
 * neither. Only the current factor's code counts: an enrolment in progress proves nothing.
 */
export async function useSecondFactorCode(
  trx: Kysely<Database>,
  box: SecretBox,
  userId: string,
  code: string,
  nowMs: number,
): Promise<SecondFactorCodeKind | undefined> {
  const digits = code.replace(/\s/g, '');
  if (isTotpCodeShape(digits)) {
    const factor = await findTotpFactorForUpdate(trx, userId, 'confirmed');
    if (!factor) return undefined;
    const step = matchTotp(box.open(factor.secret_sealed, totpSealContext(factor)), digits, nowMs);
    if (step === null || !(await advanceFactorStep(trx, factor.id, step))) return undefined;
    return 'totp';
  }
  const recoveryCode = normalizeRecoveryCode(code);
  if (recoveryCode === undefined || !(await hasConfirmedFactor(trx, userId))) return undefined;
  return (await consumeRecoveryCode(trx, userId, hashRecoveryCode(recoveryCode))) ? 'recovery-code' : undefined;
}
