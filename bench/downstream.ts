import { randomBytes } from 'node:crypto';

import { startDownstreamProcess } from '../tests/helpers/downstream-process.js';
import { runTessera } from '../tests/helpers/run-command.js';
import { startBenchServer, type BenchServer } from './processes.js';
import { measurePropagation } from './propagation.js';

/**
 * The `downstream` row of `propagation`: from a logout at Tessera to the first refusal by a service that trusts
 * Tessera only through `tessera/verifier` (revocation feed, not introspection). `bench_user` must exist.
 */
export async function measureDownstreamPropagation(
  env: Record<string, string>,
  servers: BenchServer[],
  password: string,
  trials?: number,
) {
  const pair = await startDownstreamPair(env, servers);
  return measurePropagation(pair.tessera, pair.downstream, password, trials);
}

/** A Tessera signing with ES256 and the orders example trusting it through `tessera/verifier`. */
export interface DownstreamPair {
  /** Where logins and logouts go. */
  readonly tessera: BenchServer;
  /** Polled with the token until it refuses it: `{ __typename }` through `useTesseraAuth`. */
  readonly downstream: BenchServer;
}

/**
 * Starts the pair on the bench's database: one more Tessera process (ES256: the verifier refuses HS256), a service
 * credential made with `tessera service create`, and examples/downstream pointed at that Tessera, once its feed is
 * live. Both are added to `servers` for the bench to stop.
 */
export async function startDownstreamPair(
  env: Record<string, string>,
  servers: BenchServer[],
): Promise<DownstreamPair> {
  const tesseraEnv = { ...env, JWT_ALGORITHM: 'ES256', KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const tessera = await startBenchServer({ ...tesseraEnv, REVOCATION_CHECK: 'memory' });
  servers.push(tessera);
  const created = await runTessera(['service', 'create', `bench-orders-${randomBytes(3).toString('hex')}`], tesseraEnv);
  const id = /id:\s+(svc_\S+)/.exec(created.stdout)?.[1];
  const secret = /secret:\s+(\S+)/.exec(created.stdout)?.[1];
  if (created.code !== 0 || !id || !secret) throw new Error(`tessera service create failed:\n${created.stderr}`);

  const orders = await startDownstreamProcess({
    TESSERA_URL: tessera.url,
    TESSERA_SERVICE_ID: id,
    TESSERA_SERVICE_SECRET: secret,
  });
  const unsupported = () => Promise.reject(new Error('not a bench-server'));
  const downstream: BenchServer = {
    url: orders.url,
    commits: [],
    sessionsRevoked: new Map(),
    reportsRevocations: false,
    eventLoopDelay: unsupported,
    resetEventLoopDelay: unsupported,
    countStatements: unsupported,
    readStatements: unsupported,
    timeBareHash: unsupported,
    stop: () => orders.stop(),
  };
  servers.push(downstream);
  // Measured from a live feed: what a service that has run a while sees, not its first seconds on introspection.
  const deadline = Date.now() + 15_000;
  while (
    (await fetch(`${orders.url}/verifier-status`).then((r) => r.json() as Promise<{ feed: string }>)).feed !== 'live'
  ) {
    if (Date.now() > deadline) throw new Error(`the orders service's feed did not go live:\n${orders.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { tessera, downstream };
}
