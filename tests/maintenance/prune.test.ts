import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pruneNow } from '../../server/maintenance/pruning.js';
import { refresh, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);
const count = async (table: 'revoked_tokens' | 'sessions' | 'refresh_tokens', userId: string) => {
  const { db } = app.database;
  const rows =
    table === 'refresh_tokens'
      ? await db
          .selectFrom('refresh_tokens')
          .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
          .select('token_hash')
          .where('sessions.user_id', '=', userId)
          .execute()
      : table === 'sessions'
        ? await db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()
        : await db.selectFrom('revoked_tokens').select('jti').where('user_id', '=', userId).execute();
  return rows.length;
};

describe('pruning', () => {
  it('keeps what still guards a live token, and deletes it once that token has expired', async () => {
    const account = await registerUser(app);
    await app.graphql('mutation { logout }', { token: account.accessToken });

    // Now, and just before the access token (15 min) expires: the blacklist entry and the session stay.
    await pruneNow(app.database.db);
    await pruneNow(app.database.db, minutesFromNow(14));
    expect(await count('revoked_tokens', account.id)).toBe(1);
    expect(await count('sessions', account.id)).toBe(1);
    expect(await tokenStatus(app, account.accessToken)).toBe('TOKEN_REVOKED');

    // Past its expiry (and the clock margin), nothing can present it any more: both go.
    await pruneNow(app.database.db, minutesFromNow(17));
    expect(await count('revoked_tokens', account.id)).toBe(0);
    expect(await count('sessions', account.id)).toBe(0);
    expect(await count('refresh_tokens', account.id)).toBe(0);
  });

  it('never deletes a live session, nor the spent refresh tokens that detect reuse', async () => {
    const account = await registerUser(app);
    const next = await refresh(app, account.refreshToken);
    await pruneNow(app.database.db, minutesFromNow(60 * 24)); // a day on: the session lives for 30 days
    expect(await count('sessions', account.id)).toBe(1);
    expect(await count('refresh_tokens', account.id)).toBe(2);
    expect(await refresh(app, next.refreshToken)).toMatchObject({ __typename: 'AuthPayload' });
  });

  it('deletes a session whose refresh token has expired, with its tokens', async () => {
    const account = await registerUser(app);
    await pruneNow(app.database.db, minutesFromNow(60 * 24 * 31));
    expect(await count('sessions', account.id)).toBe(0);
    expect(await count('refresh_tokens', account.id)).toBe(0);
  });
});
