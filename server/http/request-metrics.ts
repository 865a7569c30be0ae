import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { Context } from '../context.js';
import type { Metrics } from '../metrics/metrics.js';

/**
 * Counts GraphQL requests by operation and status, times them, and counts refused access tokens by reason. Only
 * counters and a histogram on the way: nothing here touches the database. The operation is the name the parsed
 * document gives the operation that runs (never the client's unchecked `operationName`); a request that gets no
 * further than that (refused by a limit, malformed) or whose operation has no name counts as `anonymous`.
 */
export function useRequestMetrics(
  metrics: Pick<Metrics, 'requestAnswered' | 'tokenRefused'>,
  graphqlEndpoint = '/graphql',
): Plugin<Context> {
  const started = new WeakMap<Request, number>();
  const operations = new WeakMap<Request, string>();
  return {
    onRequest({ request, url }) {
      if (url.pathname === graphqlEndpoint) started.set(request, performance.now());
    },
    onParse({ context }) {
      return ({ result }) => {
        // Yoga's context carries the request and its GraphQL parameters.
        const { request, params } = context as { request?: Request; params?: { operationName?: string | null } };
        if (!request || !isDocument(result)) return;
        const name = getOperationAST(result, params?.operationName)?.name?.value;
        if (name) operations.set(request, name);
      };
    },
    onContextBuilding() {
      return ({ context }) => {
        const refused = (context as Partial<Context>).refusedToken;
        if (refused) metrics.tokenRefused(refused.reason);
      };
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      started.delete(request);
      metrics.requestAnswered(operations.get(request), response.status, (performance.now() - start) / 1000);
    },
  };
}

function isDocument(result: unknown): result is DocumentNode {
  return typeof result === 'object' && result !== null && (result as { kind?: unknown }).kind === 'Document';
}
