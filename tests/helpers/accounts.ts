import { randomBytes } from 'node:crypto';

import type { TestApp } from './test-app.js';

export const PASSWORD = 'correct horse battery staple';

/** A username no other test in the run uses. */
export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export const REGISTER = /* GraphQL */ `
  mutation Register($username: String!, $email: String, $password: String!) {
    register(username: $username, email: $email, password: $password) {
      __typename
      ... on AuthPayload {
        accessToken
        accessTokenExpiresAt
        user {
          id
          username
          email
          role
          createdAt
          lastLoginAt
        }
      }
      ... on Error {
        code
        message
      }
      ... on ValidationError {
        field
      }
    }
  }
`;

export const LOGIN = /* GraphQL */ `
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on AuthPayload {
        accessToken
        accessTokenExpiresAt
        user {
          id
          username
          email
          role
          lastLoginAt
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

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

export interface Account {
  id: string;
  username: string;
  password: string;
  accessToken: string;
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
  return { id: result.user.id, username, password, accessToken: result.accessToken };
}

export async function login(app: TestApp, username: string, password: string): Promise<string> {
  const { body } = await app.graphql(LOGIN, { variables: { username, password } });
  const result = body.data?.login;
  if (result?.__typename !== 'AuthPayload') throw new Error(`login failed: ${JSON.stringify(body)}`);
  return result.accessToken;
}
