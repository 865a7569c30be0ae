import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { login, ME, registerUser, uniqueUsername } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createUserService } from '../../server/users/user.service.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const USER = 'query($id: ID!) { user(id: $id) { id username email role } }';

async function registerAdmin() {
  const username = uniqueUsername('admin');
  const admin = await registerUser(app, { username, email: `${username}@example.com` });
  await createUserService({ db: app.database.db, revocations: app.revocations }).setRole({ id: admin.id }, 'ADMIN');
  return { ...admin, accessToken: await login(app, admin.username, admin.password) };
}

describe('Query.user (admins only)', () => {
  it('lets an admin read any user, email included', async () => {
    const admin = await registerAdmin();
    const other = await registerUser(app, { email: 'other@example.com' });
    const { body } = await app.graphql(USER, { token: admin.accessToken, variables: { id: other.id } });
    expect(body.data?.user).toEqual({
      id: other.id,
      username: other.username,
      email: 'other@example.com',
      role: 'USER',
    });
  });

  it('answers null for an id that matches no user, whatever its shape', async () => {
    const admin = await registerAdmin();
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' or '1'='1"]) {
      const { body } = await app.graphql(USER, { token: admin.accessToken, variables: { id } });
      expect(body).toEqual({ data: { user: null } });
    }
  });

  it('is FORBIDDEN to a user and UNAUTHENTICATED to an anonymous caller', async () => {
    const user = await registerUser(app);
    const asUser = await app.graphql(USER, { token: user.accessToken, variables: { id: user.id } });
    expect(asUser.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    const anonymous = await app.graphql(USER, { variables: { id: user.id } });
    expect(anonymous.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});

describe('User.email', () => {
  it('is shown to the user themself', async () => {
    const user = await registerUser(app, { email: 'me@example.com' });
    expect((await app.graphql(ME, { token: user.accessToken })).body.data?.me.email).toBe('me@example.com');
  });
});

describe('a role change', () => {
  it('makes tokens minted before it 401 TOKEN_STALE, and a new login carries the new role', async () => {
    const user = await registerUser(app);
    await createUserService({ db: app.database.db, revocations: app.revocations }).setRole(
      { username: user.username },
      'ADMIN',
    );

    const stale = await app.graphql(ME, { token: user.accessToken });
    expect(stale.status).toBe(401);
    expect(stale.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_STALE' });

    const fresh = await login(app, user.username, user.password);
    expect((await app.graphql(ME, { token: fresh })).body.data?.me.role).toBe('ADMIN');
    const { body } = await app.graphql(USER, { token: fresh, variables: { id: user.id } });
    expect(body.data?.user).toMatchObject({ id: user.id, role: 'ADMIN' });
  });
});
