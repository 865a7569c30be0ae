import cluster from 'node:cluster';

import { describeStartupError } from './startup-error.js';

/** What a cluster worker that cannot start tells the primary (node:cluster's IPC channel) before it exits. */
export interface WorkerStartupFailure {
  readonly type: 'tessera:startup-failed';
  /** The plain reason (`describeStartupError`), else the error's own message: no stack. */
  readonly reason: string;
}

export function isWorkerStartupFailure(message: unknown): message is WorkerStartupFailure {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'tessera:startup-failed' &&
    typeof (message as { reason?: unknown }).reason === 'string'
  );
}

const SEND_TIMEOUT_MS = 1_000;

/**
 * In a cluster worker, tells the primary why this worker could not start, and resolves once the message is written
 * (so that a `process.exit` right after does not lose it). Anywhere else it does nothing.
 */
export function reportStartupFailure(error: unknown): Promise<void> {
  if (!cluster.isWorker || !process.send || !process.connected) return Promise.resolve();
  const reason = describeStartupError(error) ?? (error instanceof Error ? error.message || error.name : String(error));
  const message: WorkerStartupFailure = { type: 'tessera:startup-failed', reason };
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, SEND_TIMEOUT_MS);
    try {
      process.send!(message, undefined, undefined, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
