import type { ExpectedError } from '../../errors.js';
import type { User } from '../../users/user.js';
import type { ClientInfo } from '../session.js';

/**
 * Someone who has just proved who they are (the first step: a password today; a passkey, a reset link or an identity
 * provider later) and who would get a session if every following step agrees.
 */
export interface LoginCandidate {
  readonly user: User;
  readonly client: ClientInfo;
}

/** What a step answers: go on to the next one, or refuse the login with this error. */
export type LoginStepAnswer = { readonly goOn: true } | { readonly refuse: ExpectedError };

/**
 * One step between "credentials checked" and "session opened": account state (disabled; later, unverified), then
 * (later) second factors, which will add a third answer, "ask for more".
 */
export type LoginStep = (candidate: LoginCandidate) => LoginStepAnswer | Promise<LoginStepAnswer>;

export const goOn: LoginStepAnswer = { goOn: true };
export const refuse = (error: ExpectedError): LoginStepAnswer => ({ refuse: error });

/**
 * Runs the steps in order; the first refusal is thrown and no later step runs. Steps run only after the credentials
 * were checked, so what they refuse with tells nothing to someone without them.
 */
export async function passLoginSteps(steps: readonly LoginStep[], candidate: LoginCandidate): Promise<void> {
  for (const step of steps) {
    const answer = await step(candidate);
    if ('refuse' in answer) throw answer.refuse;
  }
}
