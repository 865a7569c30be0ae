import { graphql } from './gql/gql.js';

// Every operation the client sends. GraphQL Code Generator reads this file and types each document in client/gql/.

export const UserFieldsFragment = graphql(`
  fragment UserFields on User {
    id
    username
    email
    emailVerified
    mfaEnabled
    role
    createdAt
    lastLoginAt
  }
`);

export const AuthPayloadFieldsFragment = graphql(`
  fragment AuthPayloadFields on AuthPayload {
    accessToken
    accessTokenExpiresAt
    refreshToken
    refreshTokenExpiresAt
    user {
      ...UserFields
    }
  }
`);

export const ErrorFieldsFragment = graphql(`
  fragment ErrorFields on Error {
    code
    message
    ... on ValidationError {
      field
    }
  }
`);

export const RegisterDocument = graphql(`
  mutation Register($username: String!, $email: String, $password: String!) {
    register(username: $username, email: $email, password: $password) {
      __typename
      ...AuthPayloadFields
      ...ErrorFields
    }
  }
`);

export const LoginDocument = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on MfaRequired {
        challenge
        methods
      }
      ...AuthPayloadFields
      ...ErrorFields
    }
  }
`);

export const RefreshTokenDocument = graphql(`
  mutation RefreshToken($refreshToken: String) {
    refreshToken(refreshToken: $refreshToken) {
      __typename
      ...AuthPayloadFields
      ...ErrorFields
    }
  }
`);

export const ChangePasswordDocument = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      __typename
      ...AuthPayloadFields
      ...ErrorFields
    }
  }
`);

export const LogoutDocument = graphql(`
  mutation Logout {
    logout
  }
`);

export const LogoutAllDocument = graphql(`
  mutation LogoutAll {
    logoutAll
  }
`);

export const MeDocument = graphql(`
  query Me {
    me {
      ...UserFields
    }
  }
`);

export const SessionsDocument = graphql(`
  query Sessions {
    sessions {
      id
      createdAt
      lastUsedAt
      expiresAt
      userAgent
      current
    }
  }
`);

export const RevokeSessionDocument = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

export const RequestPasswordResetDocument = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email) {
      __typename
      ... on MailQueued {
        to
      }
      ...ErrorFields
    }
  }
`);

export const ResetPasswordDocument = graphql(`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      __typename
      ... on MfaRequired {
        challenge
        methods
      }
      ...AuthPayloadFields
      ...ErrorFields
    }
  }
`);

export const VerifyEmailDocument = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      __typename
      ...UserFields
      ...ErrorFields
    }
  }
`);

export const RequestEmailVerificationDocument = graphql(`
  mutation RequestEmailVerification {
    requestEmailVerification {
      __typename
      ... on MailQueued {
        to
      }
      ...ErrorFields
    }
  }
`);

export const ChangeEmailDocument = graphql(`
  mutation ChangeEmail($newEmail: String!, $password: String!) {
    changeEmail(newEmail: $newEmail, password: $password) {
      __typename
      ... on MailQueued {
        to
      }
      ...ErrorFields
    }
  }
`);

export const DeleteAccountDocument = graphql(`
  mutation DeleteAccount($password: String!) {
    deleteAccount(password: $password) {
      __typename
      ... on AccountDeleted {
        userId
      }
      ...ErrorFields
    }
  }
`);

export const VerifyMfaDocument = graphql(`
  mutation VerifyMfa($challenge: String!, $code: String!) {
    verifyMfa(challenge: $challenge, code: $code) {
      __typename
      ...AuthPayloadFields
      ...ErrorFields
    }
  }
`);

export const EnrollTotpDocument = graphql(`
  mutation EnrollTotp {
    enrollTotp {
      __typename
      ... on TotpEnrollment {
        secret
        uri
        qrCodeSvg
      }
      ...ErrorFields
    }
  }
`);

export const ConfirmTotpDocument = graphql(`
  mutation ConfirmTotp($code: String!) {
    confirmTotp(code: $code) {
      __typename
      ... on RecoveryCodes {
        codes
      }
      ...ErrorFields
    }
  }
`);

export const DisableTotpDocument = graphql(`
  mutation DisableTotp($code: String!) {
    disableTotp(code: $code) {
      __typename
      ...UserFields
      ...ErrorFields
    }
  }
`);

export const RegenerateRecoveryCodesDocument = graphql(`
  mutation RegenerateRecoveryCodes($code: String!) {
    regenerateRecoveryCodes(code: $code) {
      __typename
      ... on RecoveryCodes {
        codes
      }
      ...ErrorFields
    }
  }
`);

export const PasskeyFieldsFragment = graphql(`
  fragment PasskeyFields on Passkey {
    id
    name
    createdAt
    lastUsedAt
    synced
  }
`);

export const PasskeysDocument = graphql(`
  query Passkeys {
    passkeys {
      ...PasskeyFields
    }
  }
`);

export const PasskeyRegistrationOptionsDocument = graphql(`
  mutation PasskeyRegistrationOptions {
    passkeyRegistrationOptions {
      __typename
      ... on PasskeyOptions {
        options
      }
      ...ErrorFields
    }
  }
`);

export const RegisterPasskeyDocument = graphql(`
  mutation RegisterPasskey($response: JSONObject!, $name: String) {
    registerPasskey(response: $response, name: $name) {
      __typename
      ...PasskeyFields
      ...ErrorFields
    }
  }
`);

export const DeletePasskeyDocument = graphql(`
  mutation DeletePasskey($id: ID!) {
    deletePasskey(id: $id) {
      __typename
      ... on PasskeyDeletion {
        deleted
      }
      ...ErrorFields
    }
  }
`);

export const PasskeyLoginOptionsDocument = graphql(`
  mutation PasskeyLoginOptions($challenge: String) {
    passkeyLoginOptions(challenge: $challenge) {
      __typename
      ... on PasskeyOptions {
        options
      }
      ...ErrorFields
    }
  }
`);

export const LoginWithPasskeyDocument = graphql(`
  mutation LoginWithPasskey($response: JSONObject!, $challenge: String) {
    loginWithPasskey(response: $response, challenge: $challenge) {
      __typename
      ...AuthPayloadFields
      ...ErrorFields
    }
  }
`);
