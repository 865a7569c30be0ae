import type { MfaMethod } from './mfa-required.js';
import { accountState } from './account-state.js';
import { verifiedEmail } from './email-verification.js';
import type { LoginStep } from './login-steps.js';
import { secondFactor } from './second-factor.js';

/**
 * What every login passes between its credentials and its session, in order: the account state, then (when the
 * server requires it) a verified address, then the user's second factors (`mfaMethodsOf`: none when they have none).
 */
export function loginSequence(
  settings: { requireVerifiedEmail: boolean },
  mfaMethodsOf: (userId: string) => Promise<readonly MfaMethod[]>,
): readonly LoginStep[] {
  return [accountState, ...(settings.requireVerifiedEmail ? [verifiedEmail] : []), secondFactor(mfaMethodsOf)];
}
