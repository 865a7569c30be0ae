import {
  AccountDisabledError,
  EmailNotVerifiedError,
  EmailTakenError,
  ERROR_CODES,
  type ExpectedError,
  InvalidCredentialsError,
  InvalidMfaCodeError,
  InvalidRefreshTokenError,
  InvalidTokenError,
  MailUnavailableError,
  RateLimitedError,
  ReauthenticationRequiredError,
  TotpAlreadyEnabledError,
  UsernameTakenError,
  ValidationError,
} from '../errors.js';
import { builder } from './builder.js';

export const ErrorCode = builder.enumType('ErrorCode', { values: ERROR_CODES });

export const ErrorInterface = builder.interfaceRef<ExpectedError>('Error').implement({
  description: 'An expected failure of a mutation, returned in its result union.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCode, resolve: (error) => error.code }),
  }),
});

builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  description: 'The username or password is wrong (which one is not said).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidCredentialsError,
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'An argument was refused; `field` names it.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(UsernameTakenError, {
  name: 'UsernameTakenError',
  description: 'Another account has this username (compared without regard to case).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof UsernameTakenError,
});

builder.objectType(InvalidRefreshTokenError, {
  name: 'InvalidRefreshTokenError',
  description: 'The refresh token is unknown, expired, spent or revoked: log in again.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidRefreshTokenError,
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many attempts from this address or against this account; try again later.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

builder.objectType(AccountDisabledError, {
  name: 'AccountDisabledError',
  description: 'The password is right, but an admin has disabled the account: no session is opened.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AccountDisabledError,
});

builder.objectType(EmailTakenError, {
  name: 'EmailTakenError',
  description: 'Another account uses this email address (compared without regard to case).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof EmailTakenError,
});

builder.objectType(EmailNotVerifiedError, {
  name: 'EmailNotVerifiedError',
  description:
    'The server requires a verified email address (REQUIRE_VERIFIED_EMAIL) and this account has not proved its own: ' +
    'open the link in the verification mail, then log in. When the last link has expired, this login sent a new one.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof EmailNotVerifiedError,
});

builder.objectType(InvalidTokenError, {
  name: 'InvalidTokenError',
  description:
    "A link's token (email verification or password reset) is unknown, already used, replaced by a newer mail, or " +
    'expired: ask for a new mail.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidTokenError,
});

builder.objectType(MailUnavailableError, {
  name: 'MailUnavailableError',
  description: 'This server sends no mail (production without SMTP_URL), so nothing that needs a mail can be done.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof MailUnavailableError,
});

builder.objectType(InvalidMfaCodeError, {
  name: 'InvalidMfaCodeError',
  description:
    'The second-factor code is wrong, already used (a recovery code), or replayed within its window (a TOTP code). ' +
    'At `verifyMfa`, the fifth wrong code kills the challenge: log in again.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidMfaCodeError,
});

builder.objectType(ReauthenticationRequiredError, {
  name: 'ReauthenticationRequiredError',
  description:
    "The access token's login (`auth_time`) is older than REAUTH_WINDOW: log in again (with the second factor, " +
    'when on), then retry with the new token.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ReauthenticationRequiredError,
});

builder.objectType(TotpAlreadyEnabledError, {
  name: 'TotpAlreadyEnabledError',
  description: 'An authenticator app is already set up: turn it off (`disableTotp`) before setting up another.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof TotpAlreadyEnabledError,
});
