import type { Plugin } from 'graphql-yoga';

const FRAME_ANCESTORS = "frame-ancestors 'none'";

/**
 * On every response: no page of Tessera's may be framed by another site (clickjacking GraphiQL or the demo page into
 * running a mutation), `X-Frame-Options` for browsers that predate CSP's `frame-ancestors`; and no content sniffing,
 * so a JSON answer that echoes input is never run as a script or rendered as HTML. A policy already on a response
 * keeps its directives and gains `frame-ancestors`.
 *
 * Three fixed headers: Helmet, the usual library, is connect middleware and would sit outside `yoga.fetch`.
 */
export function useSecurityHeaders(): Plugin {
  return {
    onResponse({ response }) {
      response.headers.set('x-content-type-options', 'nosniff');
      response.headers.set('x-frame-options', 'DENY');
      const policy = response.headers.get('content-security-policy');
      if (policy === null) response.headers.set('content-security-policy', FRAME_ANCESTORS);
      else if (!/(^|;)\s*frame-ancestors\b/i.test(policy)) {
        response.headers.set('content-security-policy', `${policy.trim().replace(/;$/, '')}; ${FRAME_ANCESTORS}`);
      }
    },
  };
}
