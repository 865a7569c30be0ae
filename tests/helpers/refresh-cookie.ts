import { REFRESH_TOKEN_COOKIE_NAME } from '../../server/http/refresh-token-cookie.js';

export interface SetCookie {
  value: string;
  attributes: string[];
}

/** The refresh cookie a response sets (the last one, as a browser would keep), or undefined. */
export function refreshCookieOf(response: { headers: Headers }): SetCookie | undefined {
  const line = response.headers
    .getSetCookie()
    .filter((cookie) => cookie.startsWith(`${REFRESH_TOKEN_COOKIE_NAME}=`))
    .at(-1);
  if (line === undefined) return undefined;
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return { value: decodeURIComponent(pair!.slice(REFRESH_TOKEN_COOKIE_NAME.length + 1)), attributes };
}

/** The request header that presents a refresh cookie. */
export const cookieHeader = (value: string) => ({ cookie: `${REFRESH_TOKEN_COOKIE_NAME}=${value}` });
