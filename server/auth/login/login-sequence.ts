import { accountState } from './account-state.js';
import type { LoginStep } from './login-steps.js';

/**
 * What every login passes between its credentials and its session, in order. Later features join here: unverified
 * email beside the account state, then second factors.
 */
export const loginSequence: readonly LoginStep[] = [accountState];
