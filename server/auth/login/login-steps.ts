import type { ExpectedError } from '../../errors.js';
import type { User } from '../../users/user.js';
import type { ClientInfo } from '../session.js';
import type { MfaMethod } from './mfa-required.js';

/**
 * Someone who has just proved who they are (the first step: a password today; a passkey, a reset link or an identity
 * provider later) and who would get a session if every following step agrees.
 */
export interface LoginCandidate {
  readonly user: User;
  readonly client: ClientInfo;
  /** What they have proved so far (RFC 8176 values): `pwd`, then `otp` once a second factor passed. */
  readonly amr: readonly string[];
}

/** What a step answers: go on to the next one, refuse the login with this error, or ask for a second factor. */
export type LoginStepAnswer =
  { readonly goOn: true } | { readonly refuse: ExpectedError } | { readonly askFor: readonly MfaMethod[] };

/**
 * One step between "credentials checked" and "session opened": account state (disabled, unverified), then second
 * factors, which may ask for more.
 */
export type LoginStep = (candidate: LoginCandidate) => LoginStepAnswer | Promise<LoginStepAnswer>;

export const goOn: LoginStepAnswer = { goOn: true };
export const refuse = (error: ExpectedError): LoginStepAnswer => ({ refuse: error });
export const askFor = (methods: readonly MfaMethod[]): LoginStepAnswer => ({ askFor: methods });

/** Every step went on (`pass`), or one asked for a second factor, which these methods give. */
export type LoginStepsOutcome = { readonly pass: true } | { readonly askFor: readonly MfaMethod[] };

/**
 * Runs the steps in order; the first refusal is thrown and no later step runs. A step that asks for more does not
 * stop the later ones (a refusal after it still wins): the outcome says what was asked. Steps run only after the
 * credentials were checked, so what they refuse with (or ask for) tells nothing to someone without them.
 */
export async function passLoginSteps(
  steps: readonly LoginStep[],
  candidate: LoginCandidate,
): Promise<LoginStepsOutcome> {
  let asked: readonly MfaMethod[] | undefined;
  for (const step of steps) {
    const answer = await step(candidate);
    if ('refuse' in answer) throw answer.refuse;
    if ('askFor' in answer) asked ??= answer.askFor;
  }
  return asked ? { askFor: asked } : { pass: true };
}
