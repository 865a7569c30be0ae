import type { Plugin } from 'graphql-yoga';
import { useCookies } from '@whatwg-node/server-plugin-cookies';

/**
 * `__Host-`: the browser keeps it only if it is Secure, has Path=/ and no Domain, so it is bound to this exact host
 * and no sibling subdomain can set or shadow it.
 */
export const REFRESH_TOKEN_COOKIE_NAME = '__Host-tessera-refresh';

/** The refresh token's cookie for one request (cookie mode, REFRESH_TOKEN_COOKIE=true). */
export interface RefreshTokenCookie {
  /** The token the browser sent, if any. */
  read(): Promise<string | null>;
  /** Sends the token back in `Set-Cookie`, HttpOnly so no script in the page can read it. */
  set(token: string, expiresAt: Date): Promise<void>;
  /** Tells the browser to forget it. */
  clear(): Promise<void>;
}

/** Gives each request a cookie store (read from `Cookie`, written to `Set-Cookie`) for `refreshTokenCookie`. */
export function useRefreshTokenCookie(): Plugin {
  return useCookies() as Plugin;
}

export function refreshTokenCookie(request: Request): RefreshTokenCookie {
  const store = request.cookieStore;
  if (!store) throw new Error('Cookie mode needs the useRefreshTokenCookie plugin.');
  const attributes = { path: '/', secure: true, httpOnly: true, sameSite: 'strict' } as const;
  return {
    async read() {
      const cookie = await store.get(REFRESH_TOKEN_COOKIE_NAME);
      return cookie?.value || null;
    },
    set: (token, expiresAt) =>
      store.set({
        name: REFRESH_TOKEN_COOKIE_NAME,
        value: token,
        expires: expiresAt.getTime(),
        domain: null,
        ...attributes,
      }),
    clear: () => store.set({ name: REFRESH_TOKEN_COOKIE_NAME, value: '', expires: 0, domain: null, ...attributes }),
  };
}
