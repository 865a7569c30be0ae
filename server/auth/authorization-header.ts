import { AuthFailure } from './auth-failure.js';

// `JWT` is the scheme of Django REST framework JWT clients; `Bearer` is RFC 6750's. Either, in any case.
const SCHEME_AND_TOKEN = /^(bearer|jwt)(?: +(\S*))?$/i;

/**
 * Reads the token out of an `Authorization` header. Returns null when no token is presented: no header, an empty
 * one, or a scheme with nothing after it (GraphiQL's header template before a token is pasted in). Throws
 * TOKEN_INVALID for anything else, such as another scheme or a value with inner spaces.
 */
export function tokenFromAuthorizationHeader(header: string | null): string | null {
  if (header === null) return null;
  const value = header.trim();
  if (value === '') return null;
  const match = SCHEME_AND_TOKEN.exec(value);
  if (!match) throw new AuthFailure('TOKEN_INVALID');
  return match[2] ? match[2] : null;
}
