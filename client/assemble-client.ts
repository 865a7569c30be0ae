import { Client, fetchExchange } from '@urql/core';

import { tesseraAuthExchanges } from './auth-exchange.js';
import { AuthSession } from './auth-session.js';
import { cookieModeStorage } from './cookie-mode-storage.js';
import type { TesseraClient, TesseraClientOptions } from './index.js';
import { ServerClock } from './server-clock.js';
import { defaultTokenStorage } from './token-storage.js';
import { createUserApi } from './user.js';

/** A client with the parts behind it: for pages of this package (GraphiQL's panel) that read or set the pair. */
export interface AssembledClient extends TesseraClient {
  session: AuthSession;
  clock: ServerClock;
}

/** What `createTesseraClient` builds, with the session and the server clock left reachable. */
export function assembleTesseraClient(options: TesseraClientOptions): AssembledClient {
  const clock = new ServerClock();
  const cookieStorage = options.refreshTokenCookie ? cookieModeStorage() : undefined;
  const session = new AuthSession(cookieStorage ?? options.storage ?? defaultTokenStorage(), clock, cookieStorage);
  const client = new Client({
    url: options.url,
    fetch: clock.wrapFetch(options.fetch ?? ((input, init) => globalThis.fetch(input, init))),
    fetchOptions: options.refreshTokenCookie ? withCredentials(options.fetchOptions) : options.fetchOptions,
    // No document cache: after a logout or a user switch, nothing of the previous user may be served.
    exchanges: [...tesseraAuthExchanges(session, clock), fetchExchange],
    preferGetMethod: false,
  });
  return { client, User: createUserApi(client, session, clock), session, clock };
}

/** Every request sends and accepts cookies, also across origins (the server must allow the origin: CORS_ORIGINS). */
function withCredentials(fetchOptions: TesseraClientOptions['fetchOptions']): () => RequestInit {
  return () => ({
    ...(typeof fetchOptions === 'function' ? fetchOptions() : fetchOptions),
    credentials: 'include',
  });
}
