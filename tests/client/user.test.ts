import { CombinedError } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTesseraClient, memoryTokenStorage, TesseraError, type TokenStorage } from '../../client/index.js';
import { PASSWORD, uniqueUsername } from '../helpers/accounts.js';
import { decodeClaims } from '../helpers/tokens.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const newClient = () => createTesseraClient({ url: server.graphqlUrl });

describe('User', () => {
  it('register, token(), me, logout', async () => {
    const { User } = newClient();
    const changes: string[] = [];
    User.onChange((change) => changes.push(change.type));
    expect(User.token()).toBe(false);
    expect(await User.me()).toBeNull();

    const username = uniqueUsername();
    const user = await User.register(username, 'client@example.com', PASSWORD);
    expect(user).toMatchObject({ username, email: 'client@example.com', role: 'USER' });
    expect(User.token()).toBe(true);
    expect(await User.me()).toMatchObject({ id: user.id, username });

    await User.logout();
    expect(User.token()).toBe(false);
    expect(await User.me()).toBeNull();
    expect(changes).toEqual(['login', 'logout']);
  });

  it('login of an existing user, in a second client', async () => {
    const username = uniqueUsername();
    await newClient().User.register(username, null, PASSWORD);
    const { User } = newClient();
    expect(await User.login(username, PASSWORD)).toMatchObject({ username });
    expect(User.token()).toBe(true);
  });

  it('sessions, revokeSession, logoutAll', async () => {
    const username = uniqueUsername();
    const phone = newClient().User;
    const laptop = newClient().User;
    await phone.register(username, null, PASSWORD);
    await laptop.login(username, PASSWORD);

    const sessions = await phone.sessions();
    expect(sessions).toHaveLength(2);
    const other = sessions.find((session) => !session.current)!;
    expect(await phone.revokeSession(other.id)).toBe(true);
    // The laptop's next request finds its session revoked: the client logs out without retrying.
    expect(await laptop.me().catch((error: unknown) => error)).toBeInstanceOf(CombinedError);
    expect(laptop.token()).toBe(false);

    expect(await phone.logoutAll()).toBe(1);
    expect(phone.token()).toBe(false);
  });

  it('changePassword keeps this session going with a fresh pair', async () => {
    const { User } = newClient();
    const username = uniqueUsername();
    await User.register(username, null, PASSWORD);
    await User.changePassword(PASSWORD, 'a different passphrase');
    expect(await User.me()).toMatchObject({ username });
    expect(await newClient().User.login(username, 'a different passphrase')).toMatchObject({ username });
  });
});

describe('User.accessToken()', () => {
  /** A client over `storage` whose every request's operation name is recorded. */
  function recordingClient(storage: TokenStorage) {
    const sent: string[] = [];
    const { User } = createTesseraClient({
      url: server.graphqlUrl,
      storage,
      fetch: (input, init) => {
        sent.push(JSON.parse(String(init?.body ?? '{}')).operationName);
        return fetch(input, init);
      },
    });
    return { User, sent };
  }

  /** A registered user's session in `storage`, as if its access token had half a second left. */
  async function sessionAboutToExpire(storage: TokenStorage, username = uniqueUsername()) {
    await createTesseraClient({ url: server.graphqlUrl, storage }).User.register(username, null, PASSWORD);
    const held = (await storage.load())!;
    await storage.save({ ...held, accessTokenExpiresAt: new Date(Date.now() + 500).toISOString() });
    return held;
  }

  it('is null when logged out, and the held token, without a request, while it has time left', async () => {
    const storage = memoryTokenStorage();
    const { User, sent } = recordingClient(storage);
    expect(await User.accessToken()).toBeNull();
    await User.register(uniqueUsername(), null, PASSWORD);
    expect(await User.accessToken()).toBe((await storage.load())!.accessToken);
    expect(sent).toEqual(['Register']);
    await User.logout();
    expect(await User.accessToken()).toBeNull();
  });

  it('refreshes a token about to expire first, once for many callers; another service accepts the new one', async () => {
    const storage = memoryTokenStorage();
    const username = uniqueUsername();
    const held = await sessionAboutToExpire(storage, username);
    const { User, sent } = recordingClient(storage);

    const tokens = await Promise.all([User.accessToken(), User.accessToken(), User.accessToken()]);
    expect(sent).toEqual(['RefreshToken']);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(held.accessToken);
    expect(tokens[0]).toBe((await storage.load())!.accessToken);
    expect(decodeClaims(tokens[0]!).exp * 1000).toBeGreaterThan(Date.now() + 60_000);

    // A service that trusts Tessera's tokens (here, Tessera itself) takes it as it comes.
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect(await response.json()).toEqual({ data: { me: { username } } });
  });

  it('is null, and the client logged out, when the server refuses the refresh', async () => {
    const storage = memoryTokenStorage();
    await sessionAboutToExpire(storage);
    // As if the refresh token had been spent elsewhere.
    await storage.save({ ...(await storage.load())!, refreshToken: 'A'.repeat(43) });
    const { User, sent } = recordingClient(storage);
    expect(User.token()).toBe(true);
    expect(await User.accessToken()).toBeNull();
    expect(sent).toEqual(['RefreshToken']);
    expect(User.token()).toBe(false);
    expect(await storage.load()).toBeNull();
  });

  it('rejects with a CombinedError, keeping the session, when the refresh cannot reach the server', async () => {
    const storage = memoryTokenStorage();
    await sessionAboutToExpire(storage);
    const { User } = createTesseraClient({
      url: server.graphqlUrl,
      storage,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    expect(await User.accessToken().catch((error: unknown) => error)).toBeInstanceOf(CombinedError);
    expect(User.token()).toBe(true);
  });
});

describe('typed errors', () => {
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('INVALID_CREDENTIALS, USERNAME_TAKEN and VALIDATION (with its field) reject as TesseraError', async () => {
    const { User } = newClient();
    const username = uniqueUsername();
    await User.register(username, null, PASSWORD);

    const wrong = await failure(newClient().User.login(username, 'wrong password'));
    expect(wrong).toBeInstanceOf(TesseraError);
    expect(wrong).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'Invalid username or password.' });

    expect(await failure(newClient().User.register(username, null, PASSWORD))).toMatchObject({
      code: 'USERNAME_TAKEN',
    });
    expect(await failure(newClient().User.register(uniqueUsername(), 'nope', PASSWORD))).toMatchObject({
      code: 'VALIDATION',
      field: 'email',
    });
    expect(await failure(User.changePassword('not it', 'another passphrase'))).toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect(await failure(User.changePassword(PASSWORD, 'short'))).toMatchObject({
      code: 'VALIDATION',
      field: 'newPassword',
    });
  });

  it('a server that cannot be reached is a network error, kept apart', async () => {
    const offline = createTesseraClient({
      url: server.graphqlUrl,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    }).User;
    const error = await failure(offline.login('someone', PASSWORD));
    expect(error).toBeInstanceOf(CombinedError);
    expect((error as CombinedError).networkError).toBeInstanceOf(TypeError);
    expect((error as CombinedError).graphQLErrors).toEqual([]);
  });

  it('logout clears local state even when the server cannot be reached', async () => {
    const storage = memoryTokenStorage();
    await createTesseraClient({ url: server.graphqlUrl, storage }).User.register(uniqueUsername(), null, PASSWORD);
    const offline = createTesseraClient({
      url: server.graphqlUrl,
      storage,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    }).User;
    expect(offline.token()).toBe(true);
    await offline.logout();
    expect(offline.token()).toBe(false);
    expect(await storage.load()).toBeNull();
  });
});
