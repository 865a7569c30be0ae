import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTesseraClient, memoryTokenStorage, type AuthChange } from '../../client/index.js';
import { MeDocument } from '../../client/documents.js';
import { createUserService } from '../../server/users/user.service.js';
import { PASSWORD, uniqueUsername } from '../helpers/accounts.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ACCESS_TOKEN_TTL: '2s' });
});
afterAll(() => server.close());

/** A client whose every request is recorded: operation name and HTTP status. */
function recordingClient(storage = memoryTokenStorage(), url = server.graphqlUrl) {
  const requests: { operation: string; status: number }[] = [];
  const tessera = createTesseraClient({
    url,
    storage,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      const operation = JSON.parse(String(init?.body ?? '{}')).operationName ?? '?';
      requests.push({ operation, status: response.status });
      return response;
    },
  });
  const refreshes = () => requests.filter((request) => request.operation === 'RefreshToken').length;
  return { ...tessera, requests, refreshes, storage };
}

describe('silent refresh', () => {
  it('register, log in, wait past a 2 s access token, call me again: no error, refreshed before sending', async () => {
    const { User, refreshes, requests } = recordingClient();
    const username = uniqueUsername();
    await User.register(username, null, PASSWORD);
    expect(await User.me()).toMatchObject({ username });
    await sleep(2_500);
    expect(await User.me()).toMatchObject({ username });
    // At least the one refresh the wait made necessary (a slow machine may also refresh before the first `me`,
    // once the token is within its last second).
    expect(refreshes()).toBeGreaterThanOrEqual(1);
    expect(refreshes()).toBeLessThanOrEqual(2);
    // Refreshed before sending, so the server never had to refuse a token.
    expect(requests.filter((request) => request.status === 401)).toEqual([]);
    await User.logout();
    expect(User.token()).toBe(false);
  });

  it('twenty concurrent queries at expiry cause exactly one refresh', async () => {
    const { User, client, refreshes } = recordingClient();
    await User.register(uniqueUsername(), null, PASSWORD);
    await sleep(2_500);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => client.query(MeDocument, {}, { requestPolicy: 'network-only' }).toPromise()),
    );
    expect(results.map((result) => result.error)).toEqual(Array(20).fill(undefined));
    expect(results.every((result) => result.data?.me?.id)).toBe(true);
    expect(refreshes()).toBe(1);
  });

  it('a role change answered TOKEN_STALE is refreshed silently, and the new role shows', async () => {
    const long = await startTestServer();
    try {
      const { User, requests, refreshes } = recordingClient(memoryTokenStorage(), long.graphqlUrl);
      const user = await User.register(uniqueUsername(), null, PASSWORD);
      await createUserService({ db: long.database.db, revocations: long.revocations }).setRole(
        { id: user.id },
        'ADMIN',
      );
      expect(await User.me()).toMatchObject({ id: user.id, role: 'ADMIN' });
      expect(User.token()).toBe(true);
      // The old token was refused as stale, refreshed once, and the query retried.
      expect(requests.map((request) => `${request.operation} ${request.status}`)).toEqual([
        'Register 200',
        'Me 401',
        'RefreshToken 200',
        'Me 200',
      ]);
      expect(refreshes()).toBe(1);
    } finally {
      await long.close();
    }
  });

  it('a refresh the server refuses ends in a logged-out client, and listeners hear of it', async () => {
    const { User, storage, refreshes } = recordingClient();
    await User.register(uniqueUsername(), null, PASSWORD);
    const stored = (await storage.load())!;
    // The refresh token is spoiled (as if spent elsewhere) and the access token is left to expire.
    await storage.save({ ...stored, refreshToken: 'A'.repeat(43) });
    const changes: AuthChange[] = [];
    User.onChange((change) => changes.push(change));
    await sleep(2_500);
    expect(await User.me()).toBeNull();
    expect(refreshes()).toBe(1);
    expect(User.token()).toBe(false);
    expect(changes).toEqual([{ type: 'logout', user: null, fromOtherTab: false }]);
  });
});

describe('a revoked token', () => {
  // A long-lived access token: with 2 s, a slow machine may reach its last second during the setup, and the client
  // would rightly refresh first.
  let longLived: TestServer;
  beforeAll(async () => {
    longLived = await startTestServer({ ACCESS_TOKEN_TTL: '15m' });
  });
  afterAll(() => longLived.close());

  it('logs out without a refresh or a retry', async () => {
    const { User, refreshes, requests } = recordingClient(memoryTokenStorage(), longLived.graphqlUrl);
    const username = uniqueUsername();
    await User.register(username, null, PASSWORD);
    const elsewhere = createTesseraClient({ url: longLived.graphqlUrl }).User;
    await elsewhere.login(username, PASSWORD);
    await elsewhere.logoutAll();
    await expect(User.me()).rejects.toThrow('The access token has been revoked.');
    expect(User.token()).toBe(false);
    expect(refreshes()).toBe(0);
    expect(requests.filter((request) => request.operation === 'Me')).toHaveLength(1);
  });
});
