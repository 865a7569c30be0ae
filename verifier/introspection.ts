import { TesseraUnavailableError, type TesseraVerificationReason } from './errors.js';

const REASONS = new Set<string>(['TOKEN_EXPIRED', 'TOKEN_REVOKED', 'TOKEN_STALE', 'TOKEN_INVALID']);

export interface IntrospectionOptions {
  readonly url: string;
  readonly authorization: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

/**
 * Asks Tessera whether a token still stands (RFC 7662). Null when it does; else the reason Tessera gives
 * (`tessera_reason`). Throws TesseraUnavailableError when there is no answer: then nothing proves the token current.
 */
export async function introspect(
  options: IntrospectionOptions,
  token: string,
): Promise<TesseraVerificationReason | null> {
  let body: { active?: unknown; tessera_reason?: unknown };
  try {
    const response = await options.fetch(options.url, {
      method: 'POST',
      headers: {
        authorization: options.authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new TesseraUnavailableError('Tessera did not answer an introspection request', { cause: error });
  }
  if (body.active === true) return null;
  if (body.active !== false) throw new TesseraUnavailableError('Tessera answered introspection without `active`');
  // A token that passed every local check and is inactive all the same was taken back.
  const reason = body.tessera_reason;
  return typeof reason === 'string' && REASONS.has(reason) ? (reason as TesseraVerificationReason) : 'TOKEN_REVOKED';
}
