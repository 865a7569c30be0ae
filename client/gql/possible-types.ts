/* eslint-disable */
// Generated from schema.graphql by `npm run codegen`: do not edit.

/**
 * The object types of every union and interface, for Apollo Client's `new InMemoryCache({ possibleTypes })`:
 * without it, the fields of `... on Error` in a result union come back missing.
 */
export const possibleTypes: { [supertype: string]: string[] } = {
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
    "InvalidCredentialsError",
    "InvalidRefreshTokenError",
    "RateLimitedError",
    "UsernameTakenError",
    "ValidationError"
  ],
  "LoginResult": [
    "AccountDisabledError",
    "AuthPayload",
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
    "RateLimitedError",
    "UsernameTakenError",
    "ValidationError"
  ]
};
