import type { Client } from '@urql/core';

import { assembleTesseraClient } from './assemble-client.js';
import type { TokenStorage } from './token-storage.js';
import type { UserApi } from './user.js';

export { SecondFactorRequired, TesseraError, type ErrorCode, type MfaMethod } from './errors.js';
export type { AuthChange, AuthChangeType } from './auth-session.js';
export {
  defaultTokenStorage,
  localTokenStorage,
  memoryTokenStorage,
  type StoredSession,
  type TokenStorage,
} from './token-storage.js';
export type { TesseraPasskey, TesseraSession, TesseraUser, TotpEnrollment, UserApi } from './user.js';

export interface TesseraClientOptions {
  /** The GraphQL endpoint, e.g. `https://auth.example.com/graphql`. */
  url: string;
  /** Where the token pair is kept. Default: `localStorage` in browsers, memory elsewhere. Unused in cookie mode. */
  storage?: TokenStorage;
  /**
   * Cookie mode, for a server run with `REFRESH_TOKEN_COOKIE=true`, in a browser. The refresh token stays in an
   * HttpOnly cookie that no script can read; the client keeps only the short-lived access token, in memory, and sends
   * credentials with every request. After a reload, one refresh through the cookie restores the session (await
   * `User.ready()`). A front end on another origin must be listed in the server's `CORS_ORIGINS`.
   */
  refreshTokenCookie?: boolean;
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
  const { client, User } = assembleTesseraClient(options);
  return { client, User };
}
