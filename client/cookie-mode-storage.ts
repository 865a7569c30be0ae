import type { StoredSession, TokenStorage } from './token-storage.js';

/**
 * Never a token: the id of the user whose refresh cookie this browser may hold, so that a reload knows to try
 * restoring, and other tabs learn of a login or logout here.
 */
const SESSION_HINT_KEY = 'tessera.cookie-session';

/** The storage of cookie mode: the access token in memory only, and a hint in `localStorage` that a session exists. */
export interface CookieModeStorage extends TokenStorage {
  /** Whether a refresh cookie may be waiting: worth one refresh at start to restore the session. */
  mayHaveSession(): boolean;
}

/**
 * Cookie mode's storage (REFRESH_TOKEN_COOKIE=true on the server). The access token is kept in memory and the refresh
 * token is not kept at all: the browser holds it in an HttpOnly cookie no script can read. What `localStorage` gets
 * is a hint that carries no secret (a user id). Another tab's logout removes it, which logs this tab out too; another
 * tab's login as someone else changes it, and this tab drops its session to restore theirs through the cookie.
 */
export function cookieModeStorage(): CookieModeStorage {
  let session: StoredSession | null = null;
  const local = typeof window !== 'undefined' ? window.localStorage : undefined;
  return {
    load: () => session,
    save(next) {
      session = next;
      if (next) local?.setItem(SESSION_HINT_KEY, next.user.id);
      else local?.removeItem(SESSION_HINT_KEY);
    },
    mayHaveSession: () => (local?.getItem(SESSION_HINT_KEY) ?? null) !== null,
    subscribe(listener) {
      if (typeof window === 'undefined') return () => {};
      const onStorage = (event: StorageEvent) => {
        if (event.key !== SESSION_HINT_KEY && event.key !== null) return;
        // The cookie now belongs to nobody, or to whoever logged in there: this tab's session is over either way.
        if (event.newValue !== session?.user.id) session = null;
        listener();
      };
      window.addEventListener('storage', onStorage);
      return () => window.removeEventListener('storage', onStorage);
    },
  };
}
