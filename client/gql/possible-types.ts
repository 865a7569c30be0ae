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
    "ValidationError"
  ],
  "DeleteAccountResult": [
    "AccountDeleted",
    "InvalidCredentialsError",
    "RateLimitedError",
    "ValidationError"
  ],
  "Error": [
    "AccountDisabledError",
    "EmailNotVerifiedError",
    "EmailTakenError",
    "InvalidCredentialsError",
    "InvalidRefreshTokenError",
    "InvalidTokenError",
    "MailUnavailableError",
    "RateLimitedError",
    "UsernameTakenError",
    "ValidationError"
  ],
  "LoginResult": [
    "AccountDisabledError",
    "AuthPayload",
    "EmailNotVerifiedError",
    "InvalidCredentialsError",
    "RateLimitedError",
    "ValidationError"
  ],
  "RefreshTokenResult": [
    "AuthPayload",
    "InvalidRefreshTokenError",
    "RateLimitedError"
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
    "RateLimitedError",
    "ValidationError"
  ],
  "VerifyEmailResult": [
    "EmailTakenError",
    "InvalidTokenError",
    "RateLimitedError",
    "User",
    "ValidationError"
  ]
};
