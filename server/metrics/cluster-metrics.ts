import { randomUUID } from 'node:crypto';
import cluster, { type Worker } from 'node:cluster';

import { AggregatorRegistry } from 'prom-client';

/**
 * Metrics of a whole TESSERA_WORKERS server, whichever worker is scraped. The primary holds a prom-client
 * `AggregatorRegistry`: asked by a worker (`tessera:metrics-request`), it gathers every worker's registries with
 * `clusterMetrics()` (prom-client's own IPC messages, answered in each worker by prom-client itself from the
 * registries `AggregatorRegistry.setRegistries` names), adds them up and answers (`tessera:metrics-response`).
 */
interface MetricsRequest {
  readonly type: 'tessera:metrics-request';
  readonly id: string;
}

interface MetricsResponse {
  readonly type: 'tessera:metrics-response';
  readonly id: string;
  readonly metrics?: string;
  readonly error?: string;
}

/** Longer than prom-client's own 5 s for gathering the workers' answers, so its error is the one seen. */
const REQUEST_TIMEOUT_MS = 7_000;

export class ClusterMetricsUnavailableError extends Error {
  override name = 'ClusterMetricsUnavailableError';
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' &&
  message !== null &&
  (message as { type?: unknown }).type === type &&
  typeof (message as { id?: unknown }).id === 'string';

/**
 * In a worker, as early as possible: lets prom-client answer the primary's requests (from the registries set later
 * by `createMetrics`; none yet is an empty answer, not a scrape that waits for this worker until it times out).
 */
export function joinClusterMetrics(): void {
  if (cluster.isWorker) new AggregatorRegistry();
}

const pending = new Map<string, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let listening = false;

/** In a worker: the whole server's metrics, as the primary adds them up. */
export function requestClusterMetrics(): Promise<string> {
  if (!process.send || !process.connected) {
    return Promise.reject(new ClusterMetricsUnavailableError('Not connected to the cluster primary'));
  }
  if (!listening) {
    listening = true;
    process.on('message', (message: unknown) => {
      if (!isMessage<MetricsResponse>(message, 'tessera:metrics-response')) return;
      const request = pending.get(message.id);
      if (!request) return;
      pending.delete(message.id);
      if (typeof message.metrics === 'string') request.resolve(message.metrics);
      else request.reject(new ClusterMetricsUnavailableError(message.error ?? 'The primary gave no metrics'));
    });
  }
  const id = randomUUID();
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new ClusterMetricsUnavailableError('The cluster primary did not answer with metrics in time'));
    }, REQUEST_TIMEOUT_MS);
    pending.set(id, {
      resolve: (text) => {
        clearTimeout(timer);
        resolve(text);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    const request: MetricsRequest = { type: 'tessera:metrics-request', id };
    try {
      process.send!(request);
    } catch (error) {
      pending.get(id)?.reject(error instanceof Error ? error : new Error(String(error)));
      pending.delete(id);
    }
  });
}

/**
 * In the primary: answers the workers' requests for the whole server's metrics. Returns the scrape itself, for the
 * METRICS_PORT listener the primary serves.
 */
export function serveClusterMetrics(): { scrape: () => Promise<string>; contentType: string } {
  const aggregator = new AggregatorRegistry();
  // One gathering at a time: scrapes that arrive meanwhile share its answer.
  let gathering: Promise<string> | undefined;
  const scrape = () =>
    (gathering ??= aggregator.clusterMetrics().finally(() => {
      gathering = undefined;
    }));
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, 'tessera:metrics-request')) return;
    const answer = (response: MetricsResponse) => {
      if (!worker.isConnected()) return;
      try {
        worker.send(response);
      } catch {
        // the worker has gone: nobody waits for this answer
      }
    };
    scrape().then(
      (metrics) => answer({ type: 'tessera:metrics-response', id: message.id, metrics }),
      (error: unknown) =>
        answer({
          type: 'tessera:metrics-response',
          id: message.id,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  });
  return { scrape, contentType: aggregator.contentType };
}
