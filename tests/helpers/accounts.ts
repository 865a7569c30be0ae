import { randomBytes } from 'node:crypto';

import { createUserService } from '../../server/users/user.service.js';
import type { TestApp } from './test-app.js';

export const PASSWORD = 'correct horse battery staple';

/** A username no other test in the run uses. */
export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** What the auth mutations below select: the pair and its user, or the error member. */
const AUTH_RESULT_FRAGMENTS = /* GraphQL */ `
  fragment AuthResult on AuthPayload {
    accessToken
    accessTokenExpiresAt
    refreshToken
    refreshTokenExpiresAt
    user {
      id
      username
      email
      role
      createdAt
      lastLoginAt
    }
  }

  fragment ErrorResult on Error {
    code
    message
    ... on ValidationError {
      field
    }
  }
`;

/** An auth mutation's document: `field(args)` selecting its whole result union. */
const authMutation = (signature: string, field: string) => /* GraphQL */ `
  mutation ${signature} {
    ${field} {
      __typename
      ...AuthResult
      ...ErrorResult
    }
  }
  ${AUTH_RESULT_FRAGMENTS}
`;

export const REGISTER = authMutation(
  'Register($username: String!, $email: String, $password: String!)',
  'register(username: $username, email: $email, password: $password)',
);

export const LOGIN = authMutation(
  'Login($username: String!, $password: String!)',
  'login(username: $username, password: $password)',
);

/** Without `$refreshToken`, cookie mode reads the cookie. */
export const REFRESH = authMutation('Refresh($refreshToken: String)', 'refreshToken(refreshToken: $refreshToken)');

export const CHANGE_PASSWORD = authMutation(
  'ChangePassword($current: String!, $next: String!)',
  'changePassword(currentPassword: $current, newPassword: $next)',
);

export const ME = /* GraphQL */ `
  query Me {
    me {
      id
      username
      email
      role
    }
  }
`;

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface Account extends TokenPair {
  id: string;
  username: string;
  password: string;
}

/** Registers a new user over GraphQL and returns it with its first access token. */
export async function registerUser(
  app: TestApp,
  input: { username?: string; email?: string; password?: string } = {},
): Promise<Account> {
  const username = input.username ?? uniqueUsername();
  const password = input.password ?? PASSWORD;
  const { body } = await app.graphql(REGISTER, { variables: { username, email: input.email, password } });
  const result = body.data?.register;
  if (result?.__typename !== 'AuthPayload') throw new Error(`register failed: ${JSON.stringify(body)}`);
  return {
    id: result.user.id,
    username,
    password,
    accessToken: result.accessToken,
    refreshToken: result.refreshToken,
  };
}

/** Registers a new user and makes them an admin (as `tessera set-role` does), with a token carrying the role. */
export async function registerAdmin(app: TestApp): Promise<Account> {
  const admin = await registerUser(app);
  await createUserService({ db: app.database.db, revocations: app.revocations }).setRole({ id: admin.id }, 'ADMIN');
  return { ...admin, ...(await loginPair(app, admin.username, admin.password)) };
}

/** Logs in (a new session) and returns the access token. */
export async function login(app: TestApp, username: string, password: string): Promise<string> {
  return (await loginPair(app, username, password)).accessToken;
}

/** Logs in (a new session) and returns the pair. */
export async function loginPair(
  app: TestApp,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<TokenPair> {
  const { body } = await app.graphql(LOGIN, { variables: { username, password }, headers });
  const result = body.data?.login;
  if (result?.__typename !== 'AuthPayload') throw new Error(`login failed: ${JSON.stringify(body)}`);
  return { accessToken: result.accessToken, refreshToken: result.refreshToken };
}

/** The `refreshToken` mutation's result: an AuthPayload or an error member. */
export async function refresh(app: TestApp, refreshToken: string): Promise<any> {
  const { body } = await app.graphql(REFRESH, { variables: { refreshToken } });
  if (!body.data) throw new Error(`refreshToken failed: ${JSON.stringify(body)}`);
  return body.data.refreshToken;
}

/** The `reason` a request with this access token is refused for, or 'OK' when it is accepted. */
export async function tokenStatus(app: TestApp, accessToken: string): Promise<string> {
  const { status, body } = await app.graphql(ME, { token: accessToken });
  if (status === 200 && body.data?.me) return 'OK';
  return String(body.errors?.[0]?.extensions?.reason ?? JSON.stringify(body));
}
