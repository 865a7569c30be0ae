import type { Plugin, YogaServerOptions } from 'graphql-yoga';

import type { Config } from '../config.js';

type CorsSetting = YogaServerOptions<Record<string, unknown>, Record<string, unknown>>['cors'];

/**
 * Yoga's CORS setting from CORS_ORIGINS. `*` answers any origin but never allows credentials, so no page elsewhere
 * can spend a cookie. A list answers only those origins, with credentials; any other origin gets no CORS headers at
 * all (not `Access-Control-Allow-Origin: null`, which a sandboxed frame would match). Empty: same-origin only.
 */
export function corsSetting(origins: Config['corsOrigins']): CorsSetting {
  if (origins === '*') return { origin: '*', credentials: false };
  if (origins.length === 0) return false;
  const allowed = new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    return origin !== null && allowed.has(origin) ? { origin: [origin], credentials: true } : false;
  };
}

/**
 * For an origin list: the answer depends on `Origin` even where Yoga's single-origin path adds no `Vary`. Say so,
 * or a shared cache could hand one origin's CORS headers to another.
 */
export function useVaryOnOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (!vary?.split(',').some((name) => name.trim().toLowerCase() === 'origin')) {
        response.headers.append('vary', 'Origin');
      }
    },
  };
}
