import type { IncomingMessage } from 'node:http';

import type { Plugin } from 'graphql-yoga';

import type { RateLimit } from '../config.js';
import { createRequestLimiter } from '../security/rate-limits.js';

/**
 * HTTP 429 with `Retry-After` for a client address that sends more requests than RATE_LIMIT_REQUESTS allows. IPv6
 * clients are counted by network (`ipv6PrefixLength` bits), as every address-keyed limit is.
 */
export function useRequestFloodLimit(
  limit: RateLimit,
  ipv6PrefixLength: number,
  clientAddress: (req: IncomingMessage | undefined) => string | null,
  /** Told of each refusal (the metrics count them). */
  onRefused: () => void = () => {},
): Plugin {
  const wait = createRequestLimiter(limit, ipv6PrefixLength);
  return {
    async onRequest({ serverContext, endResponse, fetchAPI }) {
      const address = clientAddress((serverContext as { req?: IncomingMessage } | undefined)?.req);
      if (address === null) return;
      const seconds = await wait(address);
      if (seconds === 0) return;
      onRefused();
      endResponse(
        fetchAPI.Response.json(
          { errors: [{ message: 'Too many requests.', extensions: { code: 'RATE_LIMITED' } }] },
          { status: 429, headers: { 'retry-after': String(seconds) } },
        ),
      );
    },
  };
}
