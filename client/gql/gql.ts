/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment UserFields on User {\n    id\n    username\n    email\n    emailVerified\n    mfaEnabled\n    role\n    createdAt\n    lastLoginAt\n  }\n": typeof types.UserFieldsFragmentDoc,
    "\n  fragment AuthPayloadFields on AuthPayload {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      ...UserFields\n    }\n  }\n": typeof types.AuthPayloadFieldsFragmentDoc,
    "\n  fragment ErrorFields on Error {\n    code\n    message\n    ... on ValidationError {\n      field\n    }\n  }\n": typeof types.ErrorFieldsFragmentDoc,
    "\n  mutation Register($username: String!, $email: String, $password: String!) {\n    register(username: $username, email: $email, password: $password) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on MfaRequired {\n        challenge\n        methods\n      }\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation RefreshToken($refreshToken: String) {\n    refreshToken(refreshToken: $refreshToken) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": typeof types.RefreshTokenDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": typeof types.ChangePasswordDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  mutation LogoutAll {\n    logoutAll\n  }\n": typeof types.LogoutAllDocument,
    "\n  query Me {\n    me {\n      ...UserFields\n    }\n  }\n": typeof types.MeDocument,
    "\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      current\n    }\n  }\n": typeof types.SessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": typeof types.RevokeSessionDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email) {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      __typename\n      ... on MfaRequired {\n        challenge\n        methods\n      }\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": typeof types.ResetPasswordDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) {\n      __typename\n      ...UserFields\n      ...ErrorFields\n    }\n  }\n": typeof types.VerifyEmailDocument,
    "\n  mutation RequestEmailVerification {\n    requestEmailVerification {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RequestEmailVerificationDocument,
    "\n  mutation ChangeEmail($newEmail: String!, $password: String!) {\n    changeEmail(newEmail: $newEmail, password: $password) {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.ChangeEmailDocument,
    "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password) {\n      __typename\n      ... on AccountDeleted {\n        userId\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteAccountDocument,
    "\n  mutation VerifyMfa($challenge: String!, $code: String!) {\n    verifyMfa(challenge: $challenge, code: $code) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": typeof types.VerifyMfaDocument,
    "\n  mutation EnrollTotp {\n    enrollTotp {\n      __typename\n      ... on TotpEnrollment {\n        secret\n        uri\n        qrCodeSvg\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.EnrollTotpDocument,
    "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code) {\n      __typename\n      ... on RecoveryCodes {\n        codes\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.ConfirmTotpDocument,
    "\n  mutation DisableTotp($code: String!) {\n    disableTotp(code: $code) {\n      __typename\n      ...UserFields\n      ...ErrorFields\n    }\n  }\n": typeof types.DisableTotpDocument,
    "\n  mutation RegenerateRecoveryCodes($code: String!) {\n    regenerateRecoveryCodes(code: $code) {\n      __typename\n      ... on RecoveryCodes {\n        codes\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RegenerateRecoveryCodesDocument,
    "\n  fragment PasskeyFields on Passkey {\n    id\n    name\n    createdAt\n    lastUsedAt\n    synced\n  }\n": typeof types.PasskeyFieldsFragmentDoc,
    "\n  query Passkeys {\n    passkeys {\n      ...PasskeyFields\n    }\n  }\n": typeof types.PasskeysDocument,
    "\n  mutation PasskeyRegistrationOptions {\n    passkeyRegistrationOptions {\n      __typename\n      ... on PasskeyOptions {\n        options\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.PasskeyRegistrationOptionsDocument,
    "\n  mutation RegisterPasskey($response: JSONObject!, $name: String) {\n    registerPasskey(response: $response, name: $name) {\n      __typename\n      ...PasskeyFields\n      ...ErrorFields\n    }\n  }\n": typeof types.RegisterPasskeyDocument,
    "\n  mutation DeletePasskey($id: ID!) {\n    deletePasskey(id: $id) {\n      __typename\n      ... on PasskeyDeletion {\n        deleted\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeletePasskeyDocument,
    "\n  mutation PasskeyLoginOptions($challenge: String) {\n    passkeyLoginOptions(challenge: $challenge) {\n      __typename\n      ... on PasskeyOptions {\n        options\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.PasskeyLoginOptionsDocument,
    "\n  mutation LoginWithPasskey($response: JSONObject!, $challenge: String) {\n    loginWithPasskey(response: $response, challenge: $challenge) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": typeof types.LoginWithPasskeyDocument,
};
const documents: Documents = {
    "\n  fragment UserFields on User {\n    id\n    username\n    email\n    emailVerified\n    mfaEnabled\n    role\n    createdAt\n    lastLoginAt\n  }\n": types.UserFieldsFragmentDoc,
    "\n  fragment AuthPayloadFields on AuthPayload {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      ...UserFields\n    }\n  }\n": types.AuthPayloadFieldsFragmentDoc,
    "\n  fragment ErrorFields on Error {\n    code\n    message\n    ... on ValidationError {\n      field\n    }\n  }\n": types.ErrorFieldsFragmentDoc,
    "\n  mutation Register($username: String!, $email: String, $password: String!) {\n    register(username: $username, email: $email, password: $password) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on MfaRequired {\n        challenge\n        methods\n      }\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": types.LoginDocument,
    "\n  mutation RefreshToken($refreshToken: String) {\n    refreshToken(refreshToken: $refreshToken) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": types.RefreshTokenDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": types.ChangePasswordDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  mutation LogoutAll {\n    logoutAll\n  }\n": types.LogoutAllDocument,
    "\n  query Me {\n    me {\n      ...UserFields\n    }\n  }\n": types.MeDocument,
    "\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      current\n    }\n  }\n": types.SessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": types.RevokeSessionDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email) {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n": types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      __typename\n      ... on MfaRequired {\n        challenge\n        methods\n      }\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": types.ResetPasswordDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) {\n      __typename\n      ...UserFields\n      ...ErrorFields\n    }\n  }\n": types.VerifyEmailDocument,
    "\n  mutation RequestEmailVerification {\n    requestEmailVerification {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n": types.RequestEmailVerificationDocument,
    "\n  mutation ChangeEmail($newEmail: String!, $password: String!) {\n    changeEmail(newEmail: $newEmail, password: $password) {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n": types.ChangeEmailDocument,
    "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password) {\n      __typename\n      ... on AccountDeleted {\n        userId\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteAccountDocument,
    "\n  mutation VerifyMfa($challenge: String!, $code: String!) {\n    verifyMfa(challenge: $challenge, code: $code) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": types.VerifyMfaDocument,
    "\n  mutation EnrollTotp {\n    enrollTotp {\n      __typename\n      ... on TotpEnrollment {\n        secret\n        uri\n        qrCodeSvg\n      }\n      ...ErrorFields\n    }\n  }\n": types.EnrollTotpDocument,
    "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code) {\n      __typename\n      ... on RecoveryCodes {\n        codes\n      }\n      ...ErrorFields\n    }\n  }\n": types.ConfirmTotpDocument,
    "\n  mutation DisableTotp($code: String!) {\n    disableTotp(code: $code) {\n      __typename\n      ...UserFields\n      ...ErrorFields\n    }\n  }\n": types.DisableTotpDocument,
    "\n  mutation RegenerateRecoveryCodes($code: String!) {\n    regenerateRecoveryCodes(code: $code) {\n      __typename\n      ... on RecoveryCodes {\n        codes\n      }\n      ...ErrorFields\n    }\n  }\n": types.RegenerateRecoveryCodesDocument,
    "\n  fragment PasskeyFields on Passkey {\n    id\n    name\n    createdAt\n    lastUsedAt\n    synced\n  }\n": types.PasskeyFieldsFragmentDoc,
    "\n  query Passkeys {\n    passkeys {\n      ...PasskeyFields\n    }\n  }\n": types.PasskeysDocument,
    "\n  mutation PasskeyRegistrationOptions {\n    passkeyRegistrationOptions {\n      __typename\n      ... on PasskeyOptions {\n        options\n      }\n      ...ErrorFields\n    }\n  }\n": types.PasskeyRegistrationOptionsDocument,
    "\n  mutation RegisterPasskey($response: JSONObject!, $name: String) {\n    registerPasskey(response: $response, name: $name) {\n      __typename\n      ...PasskeyFields\n      ...ErrorFields\n    }\n  }\n": types.RegisterPasskeyDocument,
    "\n  mutation DeletePasskey($id: ID!) {\n    deletePasskey(id: $id) {\n      __typename\n      ... on PasskeyDeletion {\n        deleted\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeletePasskeyDocument,
    "\n  mutation PasskeyLoginOptions($challenge: String) {\n    passkeyLoginOptions(challenge: $challenge) {\n      __typename\n      ... on PasskeyOptions {\n        options\n      }\n      ...ErrorFields\n    }\n  }\n": types.PasskeyLoginOptionsDocument,
    "\n  mutation LoginWithPasskey($response: JSONObject!, $challenge: String) {\n    loginWithPasskey(response: $response, challenge: $challenge) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n": types.LoginWithPasskeyDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserFields on User {\n    id\n    username\n    email\n    emailVerified\n    mfaEnabled\n    role\n    createdAt\n    lastLoginAt\n  }\n"): (typeof documents)["\n  fragment UserFields on User {\n    id\n    username\n    email\n    emailVerified\n    mfaEnabled\n    role\n    createdAt\n    lastLoginAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AuthPayloadFields on AuthPayload {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  fragment AuthPayloadFields on AuthPayload {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ErrorFields on Error {\n    code\n    message\n    ... on ValidationError {\n      field\n    }\n  }\n"): (typeof documents)["\n  fragment ErrorFields on Error {\n    code\n    message\n    ... on ValidationError {\n      field\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($username: String!, $email: String, $password: String!) {\n    register(username: $username, email: $email, password: $password) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation Register($username: String!, $email: String, $password: String!) {\n    register(username: $username, email: $email, password: $password) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on MfaRequired {\n        challenge\n        methods\n      }\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on MfaRequired {\n        challenge\n        methods\n      }\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshToken($refreshToken: String) {\n    refreshToken(refreshToken: $refreshToken) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshToken($refreshToken: String) {\n    refreshToken(refreshToken: $refreshToken) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogoutAll {\n    logoutAll\n  }\n"): (typeof documents)["\n  mutation LogoutAll {\n    logoutAll\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      current\n    }\n  }\n"): (typeof documents)["\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      current\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"): (typeof documents)["\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email) {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email) {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      __typename\n      ... on MfaRequired {\n        challenge\n        methods\n      }\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      __typename\n      ... on MfaRequired {\n        challenge\n        methods\n      }\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) {\n      __typename\n      ...UserFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) {\n      __typename\n      ...UserFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestEmailVerification {\n    requestEmailVerification {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RequestEmailVerification {\n    requestEmailVerification {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeEmail($newEmail: String!, $password: String!) {\n    changeEmail(newEmail: $newEmail, password: $password) {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeEmail($newEmail: String!, $password: String!) {\n    changeEmail(newEmail: $newEmail, password: $password) {\n      __typename\n      ... on MailQueued {\n        to\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password) {\n      __typename\n      ... on AccountDeleted {\n        userId\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password) {\n      __typename\n      ... on AccountDeleted {\n        userId\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyMfa($challenge: String!, $code: String!) {\n    verifyMfa(challenge: $challenge, code: $code) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation VerifyMfa($challenge: String!, $code: String!) {\n    verifyMfa(challenge: $challenge, code: $code) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnrollTotp {\n    enrollTotp {\n      __typename\n      ... on TotpEnrollment {\n        secret\n        uri\n        qrCodeSvg\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation EnrollTotp {\n    enrollTotp {\n      __typename\n      ... on TotpEnrollment {\n        secret\n        uri\n        qrCodeSvg\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code) {\n      __typename\n      ... on RecoveryCodes {\n        codes\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code) {\n      __typename\n      ... on RecoveryCodes {\n        codes\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableTotp($code: String!) {\n    disableTotp(code: $code) {\n      __typename\n      ...UserFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DisableTotp($code: String!) {\n    disableTotp(code: $code) {\n      __typename\n      ...UserFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegenerateRecoveryCodes($code: String!) {\n    regenerateRecoveryCodes(code: $code) {\n      __typename\n      ... on RecoveryCodes {\n        codes\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RegenerateRecoveryCodes($code: String!) {\n    regenerateRecoveryCodes(code: $code) {\n      __typename\n      ... on RecoveryCodes {\n        codes\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PasskeyFields on Passkey {\n    id\n    name\n    createdAt\n    lastUsedAt\n    synced\n  }\n"): (typeof documents)["\n  fragment PasskeyFields on Passkey {\n    id\n    name\n    createdAt\n    lastUsedAt\n    synced\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Passkeys {\n    passkeys {\n      ...PasskeyFields\n    }\n  }\n"): (typeof documents)["\n  query Passkeys {\n    passkeys {\n      ...PasskeyFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PasskeyRegistrationOptions {\n    passkeyRegistrationOptions {\n      __typename\n      ... on PasskeyOptions {\n        options\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation PasskeyRegistrationOptions {\n    passkeyRegistrationOptions {\n      __typename\n      ... on PasskeyOptions {\n        options\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterPasskey($response: JSONObject!, $name: String) {\n    registerPasskey(response: $response, name: $name) {\n      __typename\n      ...PasskeyFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RegisterPasskey($response: JSONObject!, $name: String) {\n    registerPasskey(response: $response, name: $name) {\n      __typename\n      ...PasskeyFields\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeletePasskey($id: ID!) {\n    deletePasskey(id: $id) {\n      __typename\n      ... on PasskeyDeletion {\n        deleted\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeletePasskey($id: ID!) {\n    deletePasskey(id: $id) {\n      __typename\n      ... on PasskeyDeletion {\n        deleted\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PasskeyLoginOptions($challenge: String) {\n    passkeyLoginOptions(challenge: $challenge) {\n      __typename\n      ... on PasskeyOptions {\n        options\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation PasskeyLoginOptions($challenge: String) {\n    passkeyLoginOptions(challenge: $challenge) {\n      __typename\n      ... on PasskeyOptions {\n        options\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LoginWithPasskey($response: JSONObject!, $challenge: String) {\n    loginWithPasskey(response: $response, challenge: $challenge) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation LoginWithPasskey($response: JSONObject!, $challenge: String) {\n    loginWithPasskey(response: $response, challenge: $challenge) {\n      __typename\n      ...AuthPayloadFields\n      ...ErrorFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;