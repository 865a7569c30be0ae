import cluster, { type Worker } from 'node:cluster';

import { systemClock } from './clock.js';
import { loadTokenKeys } from './keys/token-keys.js';
import type { Config } from './config.js';
import { connectDatabase, databaseTargetFromConfig } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { listenForMetrics } from './http/metrics.js';
import { serveClusterMetrics } from './metrics/cluster-metrics.js';
import type { Logger } from './logger.js';
import { isWorkerStartupFailure } from './worker-report.js';

/** The delay before replacing a worker that failed to start doubles from this, up to `MAX_RETRY_MS`. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 8_000;
/** Failed starts in a row (no worker listening in between) after which the primary gives up and exits. */
const MAX_FAILED_STARTS = 6;
/** When stopping, how much longer than SHUTDOWN_TIMEOUT a worker gets before it is killed. */
const STOP_MARGIN_MS = 5_000;

/**
 * TESSERA_WORKERS=N: this (primary) process migrates the database once, then forks N workers that share the port.
 * Each worker keeps its own revocation state, in step with the others through Postgres LISTEN/NOTIFY.
 *
 * The workers accept connections on the shared listening socket themselves (SCHED_NONE), rather than the primary
 * accepting each one and passing it on (node:cluster's default round-robin): a connection passed to a worker that
 * has just died is lost in the primary, neither served nor closed, and its client hangs.
 *
 * Supervision: a worker that dies after it has listened is replaced at once. A worker that exits before listening
 * failed to start: it is replaced after a delay that doubles with each failed start in a row; after
 * `MAX_FAILED_STARTS` of them with no worker listening in between, the primary logs the cause (the worker's own
 * reason, sent over IPC by `reportStartupFailure`), stops the other workers and exits 1.
 * SIGTERM/SIGINT stop all workers gracefully, then the primary exits 0.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const connection = await connectDatabase(databaseTargetFromConfig(config));
  try {
    for (const migration of await migrateToLatest(connection.db)) {
      logger.info({ migration: migration.migrationName }, 'Applied migration');
    }
    // Generates the shared secret files and the first signing key once, before any worker reads them.
    await loadTokenKeys(config, connection.db, logger, systemClock);
  } finally {
    await connection.close();
  }

  cluster.schedulingPolicy = cluster.SCHED_NONE; // read once, at the first fork
  // A worker asked for /metrics asks here; the numbers are every worker's, added up (prom-client's aggregation).
  const clusterMetrics = serveClusterMetrics();
  // METRICS_PORT is served by the primary itself: it holds the whole server's numbers, workers or none.
  const metricsListener =
    config.metricsPort === undefined
      ? undefined
      : await listenForMetrics(
          { host: config.host, port: config.metricsPort, token: config.metricsToken },
          clusterMetrics,
          logger,
        );
  const redact = secretRedactor(config);
  let stopping = false;
  let failedStarts = 0;
  const retries = new Set<NodeJS.Timeout>();

  const fork = (): Worker => {
    const worker = cluster.fork();
    let listening = false;
    let reason: string | undefined;
    worker.on('message', (message: unknown) => {
      if (isWorkerStartupFailure(message)) reason = redact(message.reason);
    });
    worker.once('listening', () => {
      listening = true;
      failedStarts = 0;
    });
    void gone(worker).then(({ code, signal }) => {
      if (stopping) return;
      const pid = worker.process.pid; // logged as `worker`: pino's own `pid` is the primary's
      if (listening) {
        const replacement = fork();
        logger.error(
          { worker: pid, code, signal, replacement: replacement.process.pid },
          'A worker exited; started another',
        );
        return;
      }
      failedStarts++;
      const cause = reason ?? `the worker exited (${signal ? `signal ${signal}` : `code ${code}`}) before listening`;
      if (failedStarts >= MAX_FAILED_STARTS) {
        logger.fatal({ worker: pid, code, signal, failedStarts }, `Workers cannot start; stopping. Cause: ${cause}`);
        stop().then(() => process.exit(1));
        return;
      }
      const retryInMs = Math.min(FIRST_RETRY_MS * 2 ** (failedStarts - 1), MAX_RETRY_MS);
      logger.warn(
        { worker: pid, code, signal, cause, failedStarts, retryInMs },
        'A worker failed to start; starting another after a delay',
      );
      const retry = setTimeout(() => {
        retries.delete(retry);
        fork();
      }, retryInMs);
      retries.add(retry);
    });
    return worker;
  };

  /** Stops taking in workers, SIGTERMs those alive and resolves once they have exited (SIGKILL when overdue). */
  const stop = async (): Promise<void> => {
    stopping = true;
    void metricsListener?.close();
    for (const retry of retries) clearTimeout(retry);
    retries.clear();
    const workers = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => !!worker && !worker.isDead(),
    );
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const overdue = setTimeout(() => worker.process.kill('SIGKILL'), config.shutdownTimeoutMs + STOP_MARGIN_MS);
            worker.once('exit', () => {
              clearTimeout(overdue);
              resolve();
            });
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  };

  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers }, 'Started workers');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      logger.info({ signal }, 'Stopping workers');
      stop().then(() => process.exit(0));
    });
  }
}

/**
 * Resolves when the worker has exited and its IPC channel has closed, so that every message it sent (its startup
 * failure) has been received: the process's 'exit' can come before the last messages are read.
 */
function gone(worker: Worker): Promise<{ code: number; signal: string }> {
  const exited = new Promise<{ code: number; signal: string }>((resolve) =>
    worker.once('exit', (code: number, signal: string) => resolve({ code, signal })),
  );
  const disconnected = new Promise<void>((resolve) => {
    if (!worker.isConnected()) resolve();
    worker.once('disconnect', resolve);
  });
  // A channel that stays open after the exit (inherited by a child of the worker) must not stall supervision.
  const closedOrLate = exited.then(() =>
    Promise.race([disconnected, new Promise<void>((resolve) => setTimeout(resolve, 1_000))]),
  );
  return Promise.all([exited, closedOrLate]).then(([result]) => result);
}

/**
 * Blanks the database URL (and its password), the JWT secret and the metrics token out of a worker's message before
 * it is logged.
 */
function secretRedactor(config: Config): (text: string) => string {
  const secrets = new Set<string>();
  if (config.jwtSecret) secrets.add(config.jwtSecret);
  if (config.metricsToken) secrets.add(config.metricsToken);
  if (config.databaseUrl) {
    secrets.add(config.databaseUrl);
    try {
      const { password } = new URL(config.databaseUrl);
      if (password) {
        secrets.add(password);
        secrets.add(decodeURIComponent(password));
      }
    } catch {
      // not a URL (a libpq key=value string): the whole string is still blanked
    }
  }
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
}
