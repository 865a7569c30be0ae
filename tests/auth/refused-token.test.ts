import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLClient } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, REFRESH, registerUser } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { possibleTypes } from '../../client/gql/possible-types.js';
import { decodeClaims, signWithServerKey } from '../helpers/tokens.js';

// A token the server refuses (expired, revoked, stale, garbage) still sits in a client's global auth header after a
// logout, or when it expired: it must not block the very mutations that get a new one.
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

/** The same token with `exp` in the past, signed with the server's key: what a client holds after a break. */
const expiredCopy = (token: string) => {
  const claims = decodeClaims(token);
  return signWithServerKey({ ...claims, iat: claims.iat - 3_600, exp: claims.iat - 1_800 });
};

describe('a refused token in the Authorization header', () => {
  it('expired: refreshToken and login succeed as anonymous, and the response says the token was ignored', async () => {
    const account = await registerUser(app);
    const token = expiredCopy(account.accessToken);

    const refreshed = await app.graphql(REFRESH, { token, variables: { refreshToken: account.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data?.refreshToken).toMatchObject({ __typename: 'AuthPayload' });
    expect((refreshed.body as any).extensions).toEqual({ refusedToken: { reason: 'TOKEN_EXPIRED' } });

    const loggedIn = await app.graphql(LOGIN, {
      token,
      variables: { username: account.username, password: account.password },
    });
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body.data?.login).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('revoked (after a logout): logging in again works', async () => {
    const account = await registerUser(app);
    await app.graphql('mutation { logout }', { token: account.accessToken });
    const again = await app.graphql(LOGIN, {
      token: account.accessToken,
      variables: { username: account.username, password: account.password },
    });
    expect(again.body.data?.login).toMatchObject({ __typename: 'AuthPayload' });
    expect((again.body as any).extensions).toEqual({ refusedToken: { reason: 'TOKEN_REVOKED' } });
  });

  it('anything else is still refused with 401 before it runs, also when mixed with a login', async () => {
    const account = await registerUser(app);
    const token = expiredCopy(account.accessToken);
    for (const query of [
      '{ me { id } }',
      'mutation { logout }',
      `mutation { logout login(username: "${account.username}", password: "${account.password}") { __typename } }`,
    ]) {
      const { status, headers, body } = await app.graphql(query, { token });
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(body).toEqual({
        errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' } })],
      });
    }
  });
});

describe('clients with a global header holding an expired token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
    await server?.database.close();
  });

  it('graphql-request: refreshes, and is still refused for anything else', async () => {
    const anonymous = new GraphQLClient(server.graphqlUrl);
    const registered = await anonymous.request<any>(
      'mutation($u: String!, $p: String!) { register(username: $u, password: $p) { ... on AuthPayload { accessToken refreshToken } } }',
      { u: `gr${Date.now()}`, p: 'a long enough passphrase' },
    );
    const { accessToken, refreshToken } = registered.register;
    const client = new GraphQLClient(server.graphqlUrl, {
      headers: { authorization: `Bearer ${expiredCopy(accessToken)}` },
    });
    const refreshed = await client.request<any>(
      'mutation($t: String) { refreshToken(refreshToken: $t) { __typename ... on AuthPayload { accessToken } } }',
      { t: refreshToken },
    );
    expect(refreshed.refreshToken.__typename).toBe('AuthPayload');
    await expect(client.request('{ me { id } }')).rejects.toThrow(/expired/);
  });

  it('Apollo Client (an auth header on its link): logs in again', async () => {
    const username = `ap${Date.now()}`;
    const password = 'a long enough passphrase';
    const registered = await new GraphQLClient(server.graphqlUrl).request<any>(
      'mutation($u: String!, $p: String!) { register(username: $u, password: $p) { ... on AuthPayload { accessToken } } }',
      { u: username, p: password },
    );
    const apollo = new ApolloClient({
      link: new HttpLink({
        uri: server.graphqlUrl,
        headers: { authorization: `Bearer ${expiredCopy(registered.register.accessToken)}` },
      }),
      cache: new InMemoryCache({ possibleTypes }),
    });
    const { data } = await apollo.mutate<any>({
      mutation: gql`
        mutation Login($u: String!, $p: String!) {
          login(username: $u, password: $p) {
            __typename
            ... on AuthPayload {
              accessToken
            }
          }
        }
      `,
      variables: { u: username, p: password },
    });
    expect(data.login.__typename).toBe('AuthPayload');
    expect(data.login.accessToken).toEqual(expect.any(String));
  });
});
