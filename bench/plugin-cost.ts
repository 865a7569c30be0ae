// What each of Tessera's Yoga plugins costs per request (issue #17, item 2). Switching plugins off one at a time and
// timing the rest cannot see a 3 µs plugin on a machine whose runs differ by 20%; a CPU profile of one run can. The
// real app runs in this process over `yoga.fetch` (no sockets), sampled every 50 µs by V8's profiler, and each sample
// goes to the first frame on its stack (from the root) that belongs to a plugin, the context or the resolvers; the
// rest is Yoga, graphql-js and the request/response adaptation that the bare scenario pays as well.
import { Session } from 'node:inspector/promises';

import { postgresConnection } from '../server/db/connect.js';
import { createTestApp, graphqlRequest } from '../tests/helpers/test-app.js';

/** Where a frame's source lives -> which part of the request it is. The first match wins. */
const PARTS: [RegExp, string][] = [
  [/server\/http\/request-log\.ts/, 'request log'],
  [/server\/http\/request-metrics\.ts|\/prom-client\//, 'request metrics'],
  [/server\/http\/security-headers\.ts/, 'security headers'],
  [/server\/http\/request-flood-limit\.ts|\/rate-limiter-flexible\//, 'request flood limit'],
  [
    /server\/http\/(health|discovery|introspection|revocation-feed|metrics)\.ts/,
    'endpoint routing (health, JWKS, feed...)',
  ],
  [/server\/http\/refused-token\.ts/, 'refused-token policy'],
  [/server\/context\.ts|server\/auth\/|\/jsonwebtoken\/|\/jws\/|\/jwa\//, 'context and token check'],
  [/\/@graphql-yoga\/plugin-csrf-prevention\//, 'CSRF prevention'],
  [/\/graphql-armor-max-tokens\//, 'max tokens'],
  [/\/graphql-armor-max-aliases\//, 'max aliases'],
  [/\/graphql-armor-max-depth\//, 'max depth'],
  [/\/graphql-armor-cost-limit\//, 'cost limit'],
  [/server\/http\/hide-suggestions\.ts/, 'hide suggestions'],
  [/server\/http\/variables-limit\.ts/, 'variables limit'],
  [/\/@graphql-yoga\/plugin-disable-introspection\//, 'disable introspection'],
  [/server\/http\//, 'other Tessera plugins'],
  [/server\/(schema|users)\//, 'resolvers'],
];
const REST = 'Yoga, graphql-js, request/response';
const GC = 'garbage collection';

export interface PluginCost {
  requests: number;
  /** Per request, without the profiler (timed before it starts). */
  microsecondsPerRequest: number;
  /** Each part's share of the samples, as microseconds of one request. */
  parts: Record<string, number>;
}

export async function measurePluginCost(
  databaseUrl: string,
  env: Record<string, string>,
  query: string,
  requests = 20_000,
): Promise<PluginCost> {
  const database = { ...postgresConnection(databaseUrl), url: databaseUrl };
  const app = await createTestApp({ ...env, LOG_LEVEL: 'warn' }, database);
  try {
    const registered = await app.graphql<{ register: { accessToken: string } }>(
      'mutation($username: String!, $password: String!) { register(username: $username, password: $password) { ... on AuthPayload { accessToken } } }',
      { variables: { username: `plugin_cost_${Date.now()}`, password: 'correct horse battery staple' } },
    );
    const token = registered.body.data!.register.accessToken;
    const run = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const response = await app.yoga.fetch('http://localhost/graphql', graphqlRequest(query, { token }));
        if (response.status !== 200) throw new Error(`plugin cost: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    };
    await run(3_000);
    const started = performance.now();
    await run(requests);
    const microsecondsPerRequest = ((performance.now() - started) * 1000) / requests;

    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 50 });
    await session.post('Profiler.start');
    await run(requests);
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();

    const shares = attribute(profile);
    const total = [...shares.values()].reduce((sum, value) => sum + value, 0);
    const parts = Object.fromEntries(
      [...shares]
        .sort((a, b) => b[1] - a[1])
        .map(([part, time]) => [part, Math.round((microsecondsPerRequest * time * 10) / total) / 10]),
    );
    return { requests, microsecondsPerRequest: Math.round(microsecondsPerRequest * 10) / 10, parts };
  } finally {
    await app.close();
    await database.db.destroy();
  }
}

/** Sample time per part: each sample to the first frame from the root that is a part's. Idle time is left out. */
function attribute(profile: {
  nodes: { id: number; callFrame: { url: string; functionName: string }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}): Map<string, number> {
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const partOf = new Map<number, string | null>();
  const part = (id: number): string | null => {
    if (partOf.has(id)) return partOf.get(id)!;
    const node = byId.get(id)!;
    const parent = parentOf.get(id);
    const above = parent === undefined ? null : part(parent);
    const own = PARTS.find(([pattern]) => pattern.test(node.callFrame.url))?.[1] ?? null;
    const result = above ?? own;
    partOf.set(id, result);
    return result;
  };
  const shares = new Map<string, number>();
  profile.samples?.forEach((id, index) => {
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') return;
    const key = name === '(garbage collector)' ? GC : (part(id) ?? REST);
    shares.set(key, (shares.get(key) ?? 0) + (profile.timeDeltas?.[index] ?? 0));
  });
  return shares;
}
