import { Client, fetchExchange } from '@urql/core';

import { tesseraAuthExchanges } from './auth-exchange.js';
import { AuthSession } from './auth-session.js';
import { ServerClock } from './server-clock.js';
import { defaultTokenStorage, type TokenStorage } from './token-storage.js';
import { createUserApi, type UserApi } from './user.js';

export { TesseraError, type ErrorCode } from './errors.js';
export type { AuthChange, AuthChangeType } from './auth-session.js';
export {
  defaultTokenStorage,
  localTokenStorage,
  memoryTokenStorage,
  type StoredSession,
  type TokenStorage,
} from './token-storage.js';
export type { TesseraSession, TesseraUser, UserApi } from './user.js';

export interface TesseraClientOptions {
  /** The GraphQL endpoint, e.g. `https://auth.example.com/graphql`. */
  url: string;
  /** Where the token pair is kept. Default: `localStorage` in browsers, memory elsewhere. */
  storage?: TokenStorage;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Extra fetch options (headers, credentials) for every request. */
  fetchOptions?: RequestInit | (() => RequestInit);
}

export interface TesseraClient {
  /** An urql `Client` for the app's own operations, authenticated and refreshed like the `User` calls. */
  client: Client;
  /** Login state and account calls. */
  User: UserApi;
}

/**
 * Creates the client: an urql `Client` with Tessera's auth exchange in place, and the `User` object.
 *
 * @param options - The endpoint and, optionally, storage and fetch settings.
 * @returns `{ client, User }`.
 * @example
 * ```ts
 * import { createTesseraClient } from 'tessera/client';
 *
 * const { client, User } = createTesseraClient({ url: 'http://localhost:4000/graphql' });
 * await User.login('alice', 'a long passphrase');
 * console.log(User.token(), await User.me());
 * ```
 */
export function createTesseraClient(options: TesseraClientOptions): TesseraClient {
  const clock = new ServerClock();
  const session = new AuthSession(options.storage ?? defaultTokenStorage(), clock);
  const client = new Client({
    url: options.url,
    fetch: clock.wrapFetch(options.fetch ?? ((input, init) => globalThis.fetch(input, init))),
    fetchOptions: options.fetchOptions,
    // No document cache: after a logout or a user switch, nothing of the previous user may be served.
    exchanges: [...tesseraAuthExchanges(session, clock), fetchExchange],
    preferGetMethod: false,
  });
  return { client, User: createUserApi(client, session, clock) };
}
