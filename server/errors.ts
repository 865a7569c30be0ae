/**
 * Expected outcomes that are part of the API: each becomes a GraphQL error type implementing `Error`, in the
 * result union of the mutations that can produce it. Services throw them; nothing here knows GraphQL.
 */
export const ERROR_CODES = [
  'INVALID_CREDENTIALS',
  'VALIDATION',
  'USERNAME_TAKEN',
  'INVALID_REFRESH_TOKEN',
  'RATE_LIMITED',
  'ACCOUNT_DISABLED',
  'EMAIL_TAKEN',
  'EMAIL_NOT_VERIFIED',
  'INVALID_TOKEN',
  'MAIL_UNAVAILABLE',
  'INVALID_MFA_CODE',
  'REAUTHENTICATION_REQUIRED',
  'TOTP_ALREADY_ENABLED',
  'INVALID_PASSKEY',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export abstract class ExpectedError extends Error {
  abstract readonly code: ErrorCode;
}

/** The same for an unknown user and a wrong password, so the answer does not tell which. */
export class InvalidCredentialsError extends ExpectedError {
  override name = 'InvalidCredentialsError';
  readonly code = 'INVALID_CREDENTIALS';
  constructor(message = 'Invalid username or password.') {
    super(message);
  }
}

export class ValidationError extends ExpectedError {
  override name = 'ValidationError';
  readonly code = 'VALIDATION';
  constructor(
    /** The argument that was refused, as named in the schema. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class UsernameTakenError extends ExpectedError {
  override name = 'UsernameTakenError';
  readonly code = 'USERNAME_TAKEN';
  constructor() {
    super('That username is already taken.');
  }
}

/** Unknown, expired, spent or revoked: the client cannot tell which, and must log in again. */
export class InvalidRefreshTokenError extends ExpectedError {
  override name = 'InvalidRefreshTokenError';
  readonly code = 'INVALID_REFRESH_TOKEN';
  constructor(message = 'The refresh token is invalid or has expired. Log in again.') {
    super(message);
  }
}

/** Too many attempts from this client address, or against this account: try again after `retryAfterSeconds`. */
export class RateLimitedError extends ExpectedError {
  override name = 'RateLimitedError';
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts. Try again in ${retryAfterSeconds} seconds.`);
  }
}

/**
 * The right password for an account an admin has disabled. Only ever answered after the password checked out, so it
 * tells nothing to someone who does not know it.
 */
export class AccountDisabledError extends ExpectedError {
  override name = 'AccountDisabledError';
  readonly code = 'ACCOUNT_DISABLED';
  constructor() {
    super('This account has been disabled. Contact an administrator.');
  }
}

export class EmailTakenError extends ExpectedError {
  override name = 'EmailTakenError';
  readonly code = 'EMAIL_TAKEN';
  constructor() {
    super('Another account uses that email address.');
  }
}

/** The right password, but REQUIRE_VERIFIED_EMAIL is on and the account's address is not proved yet. */
export class EmailNotVerifiedError extends ExpectedError {
  override name = 'EmailNotVerifiedError';
  readonly code = 'EMAIL_NOT_VERIFIED';
  constructor(message = 'Confirm your email address first: open the link in the mail we sent you.') {
    super(message);
  }
}

/** A link's token from mail (verification or password reset) that is unknown, used, voided by a newer one, or expired. */
export class InvalidTokenError extends ExpectedError {
  override name = 'InvalidTokenError';
  readonly code = 'INVALID_TOKEN';
  constructor(message = 'This link is invalid or has expired. Ask for a new one.') {
    super(message);
  }
}

/** A feature that needs mail, on a server where mail is off (production without SMTP_URL). Nothing was written. */
export class MailUnavailableError extends ExpectedError {
  override name = 'MailUnavailableError';
  readonly code = 'MAIL_UNAVAILABLE';
  constructor() {
    super('This server does not send mail (SMTP_URL is not set), so this cannot be done here.');
  }
}

/** A second-factor code (TOTP or recovery code) that is wrong, already used, or replayed within its window. */
export class InvalidMfaCodeError extends ExpectedError {
  override name = 'InvalidMfaCodeError';
  readonly code = 'INVALID_MFA_CODE';
  constructor(message = 'The code is wrong or has already been used.') {
    super(message);
  }
}

/** A sensitive change asked with a token whose login is older than REAUTH_WINDOW: log in again, then retry. */
export class ReauthenticationRequiredError extends ExpectedError {
  override name = 'ReauthenticationRequiredError';
  readonly code = 'REAUTHENTICATION_REQUIRED';
  constructor() {
    super('For this, log in again first: your last login is too long ago.');
  }
}

/**
 * A passkey answer that does not verify: unknown credential, wrong challenge or origin, a bad signature, or a
 * signature counter that went backwards (a cloned authenticator). Start the ceremony again.
 */
export class InvalidPasskeyError extends ExpectedError {
  override name = 'InvalidPasskeyError';
  readonly code = 'INVALID_PASSKEY';
  constructor(message = 'The passkey could not be verified. Try again, or log in another way.') {
    super(message);
  }
}

/** `enrollTotp` while an authenticator is on: turn it off first (which asks for a code from it). */
export class TotpAlreadyEnabledError extends ExpectedError {
  override name = 'TotpAlreadyEnabledError';
  readonly code = 'TOTP_ALREADY_ENABLED';
  constructor() {
    super('An authenticator app is already set up. Turn it off first to set up another.');
  }
}
