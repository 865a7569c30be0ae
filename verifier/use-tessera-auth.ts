import { GraphQLError } from 'graphql';

import type { TesseraClaims } from './claims.js';
import { TesseraUnavailableError, TesseraVerificationError } from './errors.js';
import type { TesseraVerifier } from './verifier.js';

/** What `useTesseraAuth` adds to the GraphQL context. */
export interface TesseraAuthContext {
  /** The verified token's claims; null when the request carried no token. */
  viewer: TesseraClaims | null;
}

/**
 * The Envelop hook this plugin uses, declared here rather than imported from graphql-yoga: Yoga and any Envelop
 * server accept it as it is, and this entry's declarations do not pull in Yoga's typings (which need newer `lib`s
 * than a service may compile with).
 */
export interface TesseraAuthPlugin {
  onContextBuilding(payload: { context: unknown; extendContext(extension: TesseraAuthContext): void }): Promise<void>;
}

// `Bearer` (RFC 6750) or `JWT`, in any case, as Tessera itself accepts.
const SCHEME_AND_TOKEN = /^(bearer|jwt)(?: +(\S*))?$/i;
const RETRY_AFTER_SECONDS = 5;

/**
 * A Yoga (Envelop) plugin: reads the `Authorization` header, verifies the token and puts its claims in the context
 * as `viewer`. A refused token gets what Tessera itself answers: HTTP 401, `WWW-Authenticate: Bearer
 * error="invalid_token"`, and an error with `extensions.code: 'UNAUTHENTICATED'` and `extensions.reason`. If Tessera
 * cannot be asked when it must be, HTTP 503 with `Retry-After` (code `TESSERA_UNAVAILABLE`): never a 401, which
 * would make clients drop a session that may be fine.
 *
 * @param verifier - From `createTesseraVerifier`.
 * @returns The plugin, for `createYoga({ plugins: [...] })`.
 * @example
 * ```ts
 * const yoga = createYoga<object, TesseraAuthContext>({ schema, plugins: [useTesseraAuth(verifier)] });
 * // in a resolver: if (!context.viewer) throw ...; context.viewer.sub is the user's id
 * ```
 */
export function useTesseraAuth(verifier: Pick<TesseraVerifier, 'verify'>): TesseraAuthPlugin {
  return {
    async onContextBuilding({ context, extendContext }) {
      const request = (context as { request?: Request }).request;
      const token = tokenFrom(request?.headers.get('authorization') ?? null);
      if (token === null) {
        extendContext({ viewer: null });
        return;
      }
      try {
        extendContext({ viewer: await verifier.verify(token) });
      } catch (error) {
        throw toGraphQLError(error);
      }
    },
  };
}

/** The token in an `Authorization` header; null when none is presented; a refusal for another scheme. */
function tokenFrom(header: string | null): string | null {
  const value = header?.trim() ?? '';
  if (value === '') return null;
  const match = SCHEME_AND_TOKEN.exec(value);
  if (!match) throw toGraphQLError(new TesseraVerificationError('TOKEN_INVALID'));
  return match[2] ? match[2] : null;
}

function toGraphQLError(error: unknown): unknown {
  if (error instanceof TesseraVerificationError) {
    return new GraphQLError(error.message, {
      extensions: {
        code: 'UNAUTHENTICATED',
        reason: error.code,
        http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } },
      },
    });
  }
  if (error instanceof TesseraUnavailableError) {
    return new GraphQLError('The token cannot be checked now. Try again shortly.', {
      extensions: {
        code: error.code,
        http: { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
      },
    });
  }
  return error;
}
