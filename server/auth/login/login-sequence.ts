import { accountState } from './account-state.js';
import { verifiedEmail } from './email-verification.js';
import type { LoginStep } from './login-steps.js';

/**
 * What every login passes between its credentials and its session, in order: the account state, then (when the
 * server requires it) a verified address. Later features join here: second factors after these.
 */
export function loginSequence(settings: { requireVerifiedEmail: boolean }): readonly LoginStep[] {
  return [accountState, ...(settings.requireVerifiedEmail ? [verifiedEmail] : [])];
}
