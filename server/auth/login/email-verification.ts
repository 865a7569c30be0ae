import { EmailNotVerifiedError } from '../../errors.js';
import { goOn, refuse, type LoginStep } from './login-steps.js';

/** With REQUIRE_VERIFIED_EMAIL, refuses an account that has not proved its address (after its password checked out). */
export const verifiedEmail: LoginStep = ({ user }) => (user.emailVerified ? goOn : refuse(new EmailNotVerifiedError()));
