import type { MfaMethod } from './mfa-required.js';
import { askFor, goOn, type LoginStep } from './login-steps.js';

/**
 * RFC 8176 values that prove a second factor: a one-time code, or a passkey (`hwk`/`swk`), which with user
 * verification is something held and something known or been in one.
 */
const SECOND_FACTORS = new Set(['otp', 'hwk', 'swk']);

/**
 * Asks for a second factor when the user has one turned on and the login has not proved one yet. `methodsOf` says
 * which the user can give (none: no second factor).
 */
export function secondFactor(methodsOf: (userId: string) => Promise<readonly MfaMethod[]>): LoginStep {
  return async ({ user, amr }) => {
    if (amr.some((method) => SECOND_FACTORS.has(method))) return goOn;
    const methods = await methodsOf(user.id);
    return methods.length > 0 ? askFor(methods) : goOn;
  };
}
