import type { UserFieldsFragment } from './gql/graphql.js';

/** What the client keeps between page loads: the token pair and the user it belongs to. */
export interface StoredSession {
  readonly accessToken: string;
  /** ISO date-time, in the server's clock. */
  readonly accessTokenExpiresAt: string;
  /** Null in cookie mode: the browser keeps it in an HttpOnly cookie. */
  readonly refreshToken: string | null;
  readonly refreshTokenExpiresAt: string;
  /** When the pair was received, in milliseconds of the server's clock: with the expiry, gives its lifetime. */
  readonly receivedAt: number;
  readonly user: UserFieldsFragment;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Where the session is kept. Browsers default to `localStorage`, Node to memory; plug in any other (a cookie-backed
 * or an encrypted one) by implementing these three methods.
 *
 * @example
 * ```ts
 * const storage: TokenStorage = {
 *   load: () => decrypt(sessionStorage.getItem('s')),
 *   save: (session) => sessionStorage.setItem('s', encrypt(session)),
 * };
 * createTesseraClient({ url, storage });
 * ```
 */
export interface TokenStorage {
  load(): MaybePromise<StoredSession | null>;
  /** `null` clears it. */
  save(session: StoredSession | null): MaybePromise<void>;
  /** Calls `listener` when the session is changed from elsewhere (another tab); returns an unsubscribe function. */
  subscribe?(listener: () => void): () => void;
}

/**
 * Keeps the session in this process only: gone on reload. The default outside browsers.
 *
 * @returns A `TokenStorage` held in a variable.
 * @example
 * ```ts
 * createTesseraClient({ url, storage: memoryTokenStorage() }); // e.g. a browser app that must not persist tokens
 * ```
 */
export function memoryTokenStorage(): TokenStorage {
  let session: StoredSession | null = null;
  return {
    load: () => session,
    save: (next) => {
      session = next;
    },
  };
}

/**
 * Keeps the session in `localStorage` under `key`, so it survives reloads and is shared by every tab of the origin.
 * Other tabs' changes arrive as `storage` events.
 *
 * @param key - The `localStorage` key.
 * @returns A `TokenStorage` backed by `window.localStorage`.
 * @example
 * ```ts
 * createTesseraClient({ url, storage: localTokenStorage('my-app.session') });
 * ```
 */
export function localTokenStorage(key = 'tessera.session'): TokenStorage {
  return {
    load() {
      const raw = window.localStorage.getItem(key);
      if (raw === null) return null;
      try {
        return JSON.parse(raw) as StoredSession;
      } catch {
        return null;
      }
    },
    save(session) {
      if (session === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(session));
    },
    subscribe(listener) {
      const onStorage = (event: StorageEvent) => {
        if (event.key === key || event.key === null) listener();
      };
      window.addEventListener('storage', onStorage);
      return () => window.removeEventListener('storage', onStorage);
    },
  };
}

/**
 * `localStorage` where there is one (a browser), memory elsewhere: what `createTesseraClient` uses by default.
 *
 * @returns The storage for this environment.
 * @example
 * ```ts
 * const storage = defaultTokenStorage();
 * ```
 */
export function defaultTokenStorage(): TokenStorage {
  const hasLocalStorage = typeof window !== 'undefined' && typeof window.localStorage !== 'undefined';
  return hasLocalStorage ? localTokenStorage() : memoryTokenStorage();
}
