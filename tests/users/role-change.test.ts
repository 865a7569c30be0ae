import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { login, refresh, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createUserService } from '../../server/users/user.service.js';
import { decodeClaims } from '../helpers/tokens.js';

let app: TestApp;
let adminToken: string;
beforeAll(async () => {
  app = await createTestApp();
  const admin = await registerUser(app);
  await createUserService({ db: app.database.db, revocations: app.revocations }).setRole({ id: admin.id }, 'ADMIN');
  adminToken = await login(app, admin.username, admin.password);
});
afterAll(() => app.close());

const SET_ROLE = 'mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }';
const USER = 'query($id: ID!) { user(id: $id) { id role } }';

describe('Mutation.setUserRole', () => {
  it('promote, demote: the ADMIN-era token is TOKEN_STALE, a refresh says USER, Query.user is FORBIDDEN', async () => {
    const user = await registerUser(app);
    const promoted = await app.graphql(SET_ROLE, { token: adminToken, variables: { id: user.id, role: 'ADMIN' } });
    expect(promoted.body).toEqual({ data: { setUserRole: { id: user.id, role: 'ADMIN' } } });

    // The USER-era token is stale; the client refreshes silently and now holds an ADMIN token.
    expect(await tokenStatus(app, user.accessToken)).toBe('TOKEN_STALE');
    const adminEra = await refresh(app, user.refreshToken);
    expect(decodeClaims(adminEra.accessToken).role).toBe('ADMIN');
    expect(
      (await app.graphql(USER, { token: adminEra.accessToken, variables: { id: user.id } })).body.data?.user,
    ).toEqual({ id: user.id, role: 'ADMIN' });

    await app.graphql(SET_ROLE, { token: adminToken, variables: { id: user.id, role: 'USER' } });
    // The demoted admin's token stops working on the very next request...
    const stale = await app.graphql(USER, { token: adminEra.accessToken, variables: { id: user.id } });
    expect(stale.status).toBe(401);
    expect(stale.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_STALE' });
    // ...and the refreshed one carries USER, which admin-only fields refuse.
    const userEra = await refresh(app, adminEra.refreshToken);
    expect(decodeClaims(userEra.accessToken).role).toBe('USER');
    const forbidden = await app.graphql(USER, { token: userEra.accessToken, variables: { id: user.id } });
    expect(forbidden.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
  });

  it('is FORBIDDEN to a user, who cannot promote themself', async () => {
    const user = await registerUser(app);
    const { body } = await app.graphql(SET_ROLE, {
      token: user.accessToken,
      variables: { id: user.id, role: 'ADMIN' },
    });
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(await tokenStatus(app, user.accessToken)).toBe('OK');
  });

  it('answers BAD_REQUEST for an unknown user', async () => {
    const { body } = await app.graphql(SET_ROLE, {
      token: adminToken,
      variables: { id: '00000000-0000-4000-8000-000000000000', role: 'ADMIN' },
    });
    expect(body.errors?.[0]).toMatchObject({ message: 'No user has this id.', extensions: { code: 'BAD_REQUEST' } });
  });
});
