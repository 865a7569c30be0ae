import { AccountDisabledError } from '../../errors.js';
import { goOn, refuse, type LoginStep } from './login-steps.js';

/** Refuses an account an admin has disabled (after its password checked out: see `passLoginSteps`). */
export const accountState: LoginStep = ({ user }) => (user.disabled ? refuse(new AccountDisabledError()) : goOn);
