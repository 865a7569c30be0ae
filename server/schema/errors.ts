import {
  AccountDisabledError,
  EmailNotVerifiedError,
  EmailTakenError,
  ERROR_CODES,
  type ExpectedError,
  InvalidCredentialsError,
  InvalidMfaCodeError,
  InvalidPasskeyError,
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

/** An error type that says no more than `message` and `code`, named after its class. */
function plainErrorType(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor: each error takes its own arguments
  errorClass: new (...args: any[]) => ExpectedError,
  description: string,
): void {
  builder.objectType(errorClass, {
    name: errorClass.name,
    description,
    interfaces: [ErrorInterface],
    isTypeOf: (value) => value instanceof errorClass,
  });
}

plainErrorType(InvalidCredentialsError, 'The username or password is wrong (which one is not said).');

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'An argument was refused; `field` names it.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ field: t.exposeString('field') }),
});

plainErrorType(UsernameTakenError, 'Another account has this username (compared without regard to case).');

plainErrorType(InvalidRefreshTokenError, 'The refresh token is unknown, expired, spent or revoked: log in again.');

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many attempts from this address or against this account; try again later.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

plainErrorType(
  AccountDisabledError,
  'The password is right, but an admin has disabled the account: no session is opened.',
);

plainErrorType(EmailTakenError, 'Another account uses this email address (compared without regard to case).');

plainErrorType(
  EmailNotVerifiedError,
  'The server requires a verified email address (REQUIRE_VERIFIED_EMAIL) and this account has not proved its own: ' +
    'open the link in the verification mail, then log in. When the last link has expired, this login sent a new one.',
);

plainErrorType(
  InvalidTokenError,
  "A link's token (email verification or password reset) is unknown, already used, replaced by a newer mail, or " +
    'expired: ask for a new mail.',
);

plainErrorType(
  MailUnavailableError,
  'This server sends no mail (production without SMTP_URL), so nothing that needs a mail can be done.',
);

plainErrorType(
  InvalidMfaCodeError,
  'The second-factor code is wrong, already used (a recovery code), or replayed within its window (a TOTP code). ' +
    'At `verifyMfa`, the fifth wrong code kills the challenge: log in again.',
);

plainErrorType(
  InvalidPasskeyError,
  'The passkey answer did not verify: an unknown or removed passkey, an expired or used ceremony, another site, a ' +
    'bad signature, or a signature counter that went backwards (a copied authenticator). Start again with new options.',
);

plainErrorType(
  ReauthenticationRequiredError,
  "The access token's login (`auth_time`) is older than REAUTH_WINDOW: log in again (with the second factor, " +
    'when on), then retry with the new token.',
);

plainErrorType(
  TotpAlreadyEnabledError,
  'An authenticator app is already set up: turn it off (`disableTotp`) before setting up another.',
);
