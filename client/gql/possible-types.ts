/* eslint-disable */
// Generated from schema.graphql by `npm run codegen`: do not edit.

/**
 * The object types of every union and interface, for Apollo Client's `new InMemoryCache({ possibleTypes })`:
 * without it, the fields of `... on Error` in a result union come back missing.
 */
export const possibleTypes: { [supertype: string]: string[] } = {
  "ChangeEmailResult": [
    "EmailTakenError",
    "InvalidCredentialsError",
    "MailQueued",
    "MailUnavailableError",
    "RateLimitedError",
    "ValidationError"
  ],
  "ChangePasswordResult": [
    "AuthPayload",
    "InvalidCredentialsError",
    "RateLimitedError",
    "ReauthenticationRequiredError",
    "ValidationError"
  ],
  "ConfirmTotpResult": [
    "InvalidMfaCodeError",
    "RateLimitedError",
    "RecoveryCodes",
    "TotpAlreadyEnabledError",
    "ValidationError"
  ],
  "DeleteAccountResult": [
    "AccountDeleted",
    "InvalidCredentialsError",
    "RateLimitedError",
    "ReauthenticationRequiredError",
    "ValidationError"
  ],
  "DeletePasskeyResult": [
    "PasskeyDeletion",
    "ReauthenticationRequiredError"
  ],
  "DisableTotpResult": [
    "InvalidMfaCodeError",
    "RateLimitedError",
    "ReauthenticationRequiredError",
    "User",
    "ValidationError"
  ],
  "EnrollTotpResult": [
    "TotpAlreadyEnabledError",
    "TotpEnrollment"
  ],
  "Error": [
    "AccountDisabledError",
    "EmailNotVerifiedError",
    "EmailTakenError",
    "InvalidCredentialsError",
    "InvalidMfaCodeError",
    "InvalidPasskeyError",
    "InvalidRefreshTokenError",
    "InvalidTokenError",
    "MailUnavailableError",
    "RateLimitedError",
    "ReauthenticationRequiredError",
    "TotpAlreadyEnabledError",
    "UsernameTakenError",
    "ValidationError"
  ],
  "LoginResult": [
    "AccountDisabledError",
    "AuthPayload",
    "EmailNotVerifiedError",
    "InvalidCredentialsError",
    "MfaRequired",
    "RateLimitedError",
    "ValidationError"
  ],
  "LoginWithPasskeyResult": [
    "AccountDisabledError",
    "AuthPayload",
    "EmailNotVerifiedError",
    "InvalidPasskeyError",
    "InvalidTokenError",
    "RateLimitedError",
    "ValidationError"
  ],
  "PasskeyLoginOptionsResult": [
    "InvalidTokenError",
    "PasskeyOptions",
    "RateLimitedError",
    "ValidationError"
  ],
  "PasskeyRegistrationOptionsResult": [
    "PasskeyOptions",
    "RateLimitedError"
  ],
  "RefreshTokenResult": [
    "AuthPayload",
    "InvalidRefreshTokenError",
    "RateLimitedError"
  ],
  "RegenerateRecoveryCodesResult": [
    "InvalidMfaCodeError",
    "RateLimitedError",
    "ReauthenticationRequiredError",
    "RecoveryCodes",
    "ValidationError"
  ],
  "RegisterPasskeyResult": [
    "InvalidPasskeyError",
    "Passkey",
    "RateLimitedError",
    "ValidationError"
  ],
  "RegisterResult": [
    "AuthPayload",
    "EmailNotVerifiedError",
    "EmailTakenError",
    "RateLimitedError",
    "UsernameTakenError",
    "ValidationError"
  ],
  "RequestEmailVerificationResult": [
    "MailQueued",
    "MailUnavailableError",
    "RateLimitedError",
    "ValidationError"
  ],
  "RequestPasswordResetResult": [
    "MailQueued",
    "MailUnavailableError",
    "RateLimitedError",
    "ValidationError"
  ],
  "ResetPasswordResult": [
    "AccountDisabledError",
    "AuthPayload",
    "EmailNotVerifiedError",
    "InvalidTokenError",
    "MfaRequired",
    "RateLimitedError",
    "ValidationError"
  ],
  "VerifyEmailResult": [
    "EmailTakenError",
    "InvalidTokenError",
    "RateLimitedError",
    "User",
    "ValidationError"
  ],
  "VerifyMfaResult": [
    "AccountDisabledError",
    "AuthPayload",
    "EmailNotVerifiedError",
    "InvalidMfaCodeError",
    "InvalidTokenError",
    "RateLimitedError",
    "ValidationError"
  ]
};
