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
  // One record per GraphQL request; the operation's name is worked out once, when the request is counted.
  const requests = new WeakMap<Request, { started: number; document?: DocumentNode; operationName?: string | null }>();
  // The after-hooks are made once: under tsx, a function made per request also costs a `name` definition.
  const afterParse: AfterParse = ({ context, result }) => {
    // Yoga's context carries the request and its GraphQL parameters.
    const { request, params } = context as { request?: Request; params?: { operationName?: string | null } };
    const record = request && requests.get(request);
    if (!record || !isDocument(result)) return;
    record.document = result;
    record.operationName = params?.operationName;
  };
  const afterContextBuilding: AfterContextBuilding = ({ context }) => {
    const refused = (context as Partial<Context>).refusedToken;
    if (refused) metrics.tokenRefused(refused.reason);
  };
  return {
    onRequest({ request, url }) {
      if (url.pathname === graphqlEndpoint) requests.set(request, { started: performance.now() });
    },
    onParse: () => afterParse,
    onContextBuilding: () => afterContextBuilding,
    onResponse({ request, response }) {
      const record = requests.get(request);
      if (record === undefined) return;
      requests.delete(request);
      const name = record.document && getOperationAST(record.document, record.operationName)?.name?.value;
      metrics.requestAnswered(name, response.status, (performance.now() - record.started) / 1000);
    },
  };
}

type Hooks = Plugin<Context>;
type AfterParse = Exclude<ReturnType<NonNullable<Hooks['onParse']>>, void>;
type AfterContextBuilding = Exclude<Awaited<ReturnType<NonNullable<Hooks['onContextBuilding']>>>, void>;

function isDocument(result: unknown): result is DocumentNode {
  return typeof result === 'object' && result !== null && (result as { kind?: unknown }).kind === 'Document';
}
