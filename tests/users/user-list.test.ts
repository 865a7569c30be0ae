import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerAdmin, registerUser, type Account } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const USERS = /* GraphQL */ `
  query Users($first: Int, $after: String, $last: Int, $before: String, $search: String) {
    users(first: $first, after: $after, last: $last, before: $before, search: $search) {
      edges {
        cursor
        node {
          username
          email
          disabled
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

let app: TestApp;
let admin: Account;
/** Every username here starts with it, so a search for it sees only this file's users. */
const prefix = `list${randomBytes(3).toString('hex')}`;
const names = ['Delta', 'alpha', 'Charlie', 'bravo', 'echo'].map((name) => `${prefix}_${name}`);
beforeAll(async () => {
  app = await createTestApp();
  admin = await registerAdmin(app);
  for (const [i, username] of names.entries()) {
    await registerUser(app, { username, email: `${username.toLowerCase()}.${i}@Example.ORG` });
  }
});
afterAll(() => app.close());

type Page = { names: string[]; hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };

async function page(variables: Record<string, unknown>, token = admin.accessToken): Promise<Page> {
  const { body } = await app.graphql(USERS, { token, variables });
  if (!body.data) throw new Error(JSON.stringify(body));
  const { edges, pageInfo } = body.data.users;
  return { names: edges.map((edge: any) => edge.node.username), ...pageInfo };
}

/** By username without regard to case. */
const sorted = [...names].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase()));

describe('Query.users (admins)', () => {
  it('pages forward by username without regard to case, with cursors that carry on where the last page ended', async () => {
    const first = await page({ search: prefix, first: 2 });
    expect(first).toMatchObject({ names: sorted.slice(0, 2), hasNextPage: true, hasPreviousPage: false });
    const second = await page({ search: prefix, first: 2, after: first.endCursor });
    expect(second).toMatchObject({ names: sorted.slice(2, 4), hasNextPage: true, hasPreviousPage: true });
    const last = await page({ search: prefix, first: 2, after: second.endCursor });
    expect(last).toMatchObject({ names: sorted.slice(4), hasNextPage: false });
    const more = await page({ search: prefix, first: 10, after: first.endCursor });
    expect(more.names).toEqual(sorted.slice(2));
  });

  it('pages backward with last and before', async () => {
    const end = await page({ search: prefix, last: 2 });
    expect(end).toMatchObject({ names: sorted.slice(3), hasPreviousPage: true });
    const before = await page({ search: prefix, last: 2, before: end.startCursor });
    expect(before.names).toEqual(sorted.slice(1, 3));
  });

  it('searches username and email without regard to case; % and _ match only themselves', async () => {
    expect((await page({ search: `${prefix}_CHAR` })).names).toEqual([`${prefix}_Charlie`]);
    expect((await page({ search: `${prefix}_echo.4@example.org` })).names).toEqual([`${prefix}_echo`]);
    expect((await page({ search: 'EXAMPLE.org', first: 100 })).names).toEqual(expect.arrayContaining(names));
    expect((await page({ search: `${prefix}%` })).names).toEqual([]);
    expect((await page({ search: `${prefix.slice(0, -1)}_` })).names).toEqual([]);
    expect((await page({ search: `${prefix}_` })).names).toEqual(sorted);
  });

  it('shows each user’s email and whether they are disabled', async () => {
    const { body } = await app.graphql(USERS, { token: admin.accessToken, variables: { search: `${prefix}_alpha` } });
    expect(body.data?.users.edges).toEqual([
      {
        cursor: expect.any(String),
        node: { username: `${prefix}_alpha`, email: `${prefix}_alpha.1@Example.ORG`, disabled: false },
      },
    ]);
  });

  it('is FORBIDDEN to a user and UNAUTHENTICATED without a token', async () => {
    const user = await registerUser(app);
    const forbidden = await app.graphql(USERS, { token: user.accessToken, variables: { search: prefix } });
    expect(forbidden.body).toMatchObject({ data: null, errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    const anonymous = await app.graphql(USERS, { variables: { search: prefix } });
    expect(anonymous.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a cursor it did not give, a negative page size and a NUL in the search with BAD_REQUEST', async () => {
    for (const variables of [
      { after: 'bm90IGEgY3Vyc29y' },
      { before: Buffer.from("User:x' or 1=1 --").toString('base64url') },
      { first: -1 },
      { search: 'a\u0000b' },
    ]) {
      const { body } = await app.graphql(USERS, { token: admin.accessToken, variables });
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_REQUEST' });
    }
  });
});
