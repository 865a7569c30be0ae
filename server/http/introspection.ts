import type { IncomingMessage } from 'node:http';

import type { Plugin } from 'graphql-yoga';
import type { Kysely } from 'kysely';

import type { TokenSettings } from '../auth/access-tokens.js';
import type { RevocationCheck } from '../auth/revocation.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { RateLimits } from '../security/rate-limits.js';
import { createServiceAuthGuard } from '../services/service-auth-guard.js';
import { createServiceAuthenticator } from '../services/service-credentials.js';
import { introspectAccessToken } from '../services/token-introspection.js';
import { answeringAt } from './answering-at.js';

export const INTROSPECTION_PATH = '/oauth/introspect';
/** A token is at most 4 KiB (longer ones are refused unverified); the form around it needs little more. */
const MAX_BODY_BYTES = 8192;
const FORM = 'application/x-www-form-urlencoded';

/**
 * `POST /oauth/introspect` (RFC 7662) for services with credentials (HTTP Basic): `token=<access token>` in a form
 * body answers `{"active": true, ...claims}` or `{"active": false, "tessera_reason": ...}`. Who may ask is checked
 * before the body is read; the token is never logged, and no answer repeats it.
 */
export function useTokenIntrospection(options: {
  db: Kysely<Database>;
  tokens: TokenSettings;
  revocations: RevocationCheck;
  rateLimits: Pick<RateLimits, 'attempt'>;
  clientAddress: (req: IncomingMessage | undefined) => string | null;
  ipv6PrefixLength: number;
  logger: Logger;
  clock?: Clock;
}): Plugin {
  const { db, tokens, revocations, rateLimits, clientAddress, ipv6PrefixLength, logger, clock } = options;
  const guard = createServiceAuthGuard({
    authenticator: createServiceAuthenticator(db),
    rateLimits,
    ipv6PrefixLength,
    clock,
  });
  return {
    onRequest: answeringAt(
      (path) => path === INTROSPECTION_PATH,
      async ({ request, serverContext, endResponse, fetchAPI }) => {
        const respond = (status: number, body: unknown, headers: Record<string, string> = {}) =>
          endResponse(fetchAPI.Response.json(body, { status, headers: { 'cache-control': 'no-store', ...headers } }));

        if (request.method !== 'POST') return respond(405, { error: 'invalid_request' }, { allow: 'POST' });
        const address = clientAddress((serverContext as { req?: IncomingMessage } | undefined)?.req);
        const auth = await guard.check(request, address);
        if (!auth.ok) {
          return auth.retryAfterSeconds === undefined
            ? respond(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="tessera"' })
            : respond(429, { error: 'too_many_requests' }, { 'retry-after': String(auth.retryAfterSeconds) });
        }

        const token = await tokenFromForm(request);
        if (token === null) return respond(400, { error: 'invalid_request' });
        try {
          respond(200, await introspectAccessToken(tokens, revocations, token));
        } catch (error) {
          // The revocation check could not reach the database: no answer is better than a wrong "active".
          logger.error({ err: error, service: auth.service.id }, 'Introspection failed');
          respond(503, { error: 'temporarily_unavailable' });
        }
      },
    ),
  };
}

/** The one `token` of a form body (RFC 7662 §2.1: no other encoding, no repeated parameter); null otherwise. */
async function tokenFromForm(request: Request): Promise<string | null> {
  const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== FORM) return null;
  const body = await readBounded(request, MAX_BODY_BYTES);
  if (body === null) return null;
  const values = new URLSearchParams(body).getAll('token');
  return values.length === 1 && values[0] !== '' ? values[0]! : null;
}

/**
 * The body as text, or null past `limit` bytes. Yoga's MAX_BODY_BYTES applies only to GraphQL requests it parses,
 * after this plugin has answered, so the limit is kept here, as the body arrives.
 */
async function readBounded(request: Request, limit: number): Promise<string | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && !(/^\d+$/.test(declared) && Number(declared) <= limit)) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
