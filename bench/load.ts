import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

export interface LoadOptions {
  url: string;
  /** GraphQL document and variables, POSTed as JSON to `/graphql`. */
  query?: string;
  variables?: Record<string, unknown>;
  token?: string;
  /** Instead of a GraphQL POST: a GET of this path (the Django side-by-side's `/me/`). */
  get?: string;
  connections: number;
  durationSeconds: number;
  /** Every response must have this status and pass this check; one that does not fails the whole run. */
  expect: { status: number; body: (body: string) => boolean };
}

/** Runs autocannon against the server and checks every response; throws on any wrong or failed one. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const authorization = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const request =
    options.get === undefined
      ? {
          url: `${options.url}/graphql`,
          method: 'POST' as const,
          headers: { 'content-type': 'application/json', ...authorization },
          body: JSON.stringify({ query: options.query, variables: options.variables }),
        }
      : { url: `${options.url}${options.get}`, method: 'GET' as const, headers: authorization };
  const result = await autocannon({
    ...request,
    connections: options.connections,
    duration: options.durationSeconds,
    verifyBody: (body) => options.expect.body(String(body ?? '')),
  });
  const wrongStatus = options.expect.status === 200 ? result.non2xx : result.requests.total - result['4xx'];
  const failures = { mismatches: result.mismatches, wrongStatus, errors: result.errors, timeouts: result.timeouts };
  if (Object.values(failures).some((count) => count > 0)) {
    throw new Error(`Wrong responses under load: ${JSON.stringify(failures)}`);
  }
  if (result.requests.total === 0) throw new Error('No request completed');
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
  };
}
