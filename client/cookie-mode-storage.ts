import type { StoredSession, TokenStorage } from './token-storage.js';

/** A flag, never a token: "this browser may hold a refresh cookie", so that a reload knows to try restoring. */
const SESSION_HINT_KEY = 'tessera.cookie-session';

/** The storage of cookie mode: the pair in memory only, and a hint in `localStorage` that a session exists. */
export interface CookieModeStorage extends TokenStorage {
  /** Whether a refresh cookie may be waiting: worth one refresh at start to restore the session. */
  mayHaveSession(): boolean;
}

/**
 * Cookie mode's storage (REFRESH_TOKEN_COOKIE=true on the server). The access token is kept in memory and the refresh
 * token is not kept at all: the browser holds it in an HttpOnly cookie no script can read. What `localStorage` gets
 * is a hint that carries no secret. A logout in another tab removes the hint, which logs this tab out too.
 */
export function cookieModeStorage(): CookieModeStorage {
  let session: StoredSession | null = null;
  const local = typeof window !== 'undefined' ? window.localStorage : undefined;
  return {
    load: () => session,
    save(next) {
      session = next;
      if (next) local?.setItem(SESSION_HINT_KEY, '1');
      else local?.removeItem(SESSION_HINT_KEY);
    },
    mayHaveSession: () => local?.getItem(SESSION_HINT_KEY) === '1',
    subscribe(listener) {
      if (typeof window === 'undefined') return () => {};
      const onStorage = (event: StorageEvent) => {
        if ((event.key === SESSION_HINT_KEY || event.key === null) && event.newValue === null) {
          session = null;
          listener();
        }
      };
      window.addEventListener('storage', onStorage);
      return () => window.removeEventListener('storage', onStorage);
    },
  };
}
