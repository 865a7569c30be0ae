import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { systemClock } from './clock.js';
import { loadTokenKeys } from './keys/token-keys.js';
import { createApp, type App } from './app.js';
import type { Revocations } from './auth/revocation.js';
import { startRevocations } from './auth/revocation-sync.js';
import type { Config } from './config.js';
import type { DatabaseConnection } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { limitConnectionsPerAddress } from './http/connection-limit.js';
import { listenForMetrics } from './http/metrics.js';
import { joinClusterMetrics } from './metrics/cluster-metrics.js';
import { createMetrics } from './metrics/metrics.js';
import { gracefulShutdown, type GracefulShutdown } from './http/graceful-shutdown.js';
import type { Logger } from './logger.js';
import { startMailDelivery } from './mail/mail-delivery.js';
import type { MailSender } from './mail/mail-sender.js';
import { startPruning } from './maintenance/pruning.js';
import { createRateLimits } from './security/rate-limits.js';

export interface RunningServer {
  readonly url: string;
  readonly revocations: Revocations;
  /** `GET` this for metrics when METRICS_PORT is set (in a single process; a cluster's primary serves it). */
  readonly metricsUrl: string | undefined;
  /** Stops taking connections, lets requests in flight finish (up to a grace period), closes the database. */
  close(): Promise<void>;
}

/**
 * How often Node looks for connections past HEADERS_TIMEOUT or REQUEST_TIMEOUT (its default, 30 s, would let a
 * half-open request live that much longer than its timeout).
 */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** database -> migrations -> app -> listen. The server owns the connection from here and closes it. */
export async function startServer(
  config: Config,
  logger: Logger,
  connection: DatabaseConnection,
): Promise<RunningServer> {
  let server: Server | undefined;
  let shutdown: GracefulShutdown | undefined;
  let revocations: Revocations | undefined;
  let stopPruning = () => {};
  let mailSender: MailSender | undefined;
  let yoga: App | undefined;
  const shuttingDown = new AbortController();
  let metricsListener: { url: string; close(): Promise<void> } | undefined;
  // A cluster worker answers the primary's requests for its metrics from the start (empty until the app exists).
  joinClusterMetrics();
  try {
    const applied = await migrateToLatest(connection.db);
    for (const migration of applied) logger.info({ migration: migration.migrationName }, 'Applied migration');
    const keys = await loadTokenKeys(config, connection.db, logger, systemClock);
    revocations = await startRevocations(config, connection, logger);
    const rateLimits = createRateLimits(config, connection);
    mailSender = await startMailDelivery(config, connection, logger);
    // In a cluster worker, /metrics shows the whole server's numbers, gathered by the primary.
    const metrics = createMetrics({ db: connection.db, revocations, cluster: cluster.isWorker });
    const app = createApp({
      config,
      db: connection.db,
      keys,
      logger,
      revocations,
      rateLimits,
      metrics,
      shuttingDown: shuttingDown.signal,
    });
    yoga = app;
    server = createServer(
      {
        // A client that sends its request slowly (or never finishes it) is answered 408 and cut.
        headersTimeout: config.headersTimeoutMs,
        requestTimeout: config.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(MAX_TIMEOUT_CHECK_INTERVAL_MS, config.headersTimeoutMs / 2),
      },
      (req, res) => {
        shutdown!.track(req, res);
        void app(req, res);
      },
    );
    shutdown = gracefulShutdown(server);
    server.keepAliveTimeout = config.keepAliveTimeoutMs;
    // Past this many open connections, Node closes new ones at once: file descriptors stay for the database.
    server.maxConnections = config.maxConnections;
    limitConnectionsPerAddress(
      server,
      {
        maxPerAddress: config.maxConnectionsPerAddress,
        ipv6PrefixLength: config.rateLimits.ipv6PrefixLength,
        trustedProxies: config.trustedProxies,
      },
      logger,
    );
    stopPruning = startPruning(
      connection.db,
      {
        intervalSeconds: config.pruneIntervalSeconds,
        clockToleranceSeconds: config.jwtClockToleranceSeconds,
        auditRetentionSeconds: config.auditRetentionSeconds,
      },
      logger,
    );
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port, config.host, resolve);
    });
    if (config.metricsPort !== undefined && !cluster.isWorker) {
      metricsListener = await listenForMetrics(
        { host: config.host, port: config.metricsPort, token: config.metricsToken },
        metrics,
        logger,
      );
    }
  } catch (error) {
    stopPruning();
    server?.close();
    await metricsListener?.close();
    await mailSender?.stop();
    await revocations?.close();
    await connection.close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info(
    { url: `${url}/graphql`, database: connection.target.kind },
    config.graphiql ? 'Tessera is serving GraphQL, with GraphiQL' : 'Tessera is serving GraphQL',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    revocations,
    metricsUrl: metricsListener?.url,
    close: () =>
      (closing ??= (async () => {
        stopPruning();
        await metricsListener?.close();
        // Past the timeout, requests still running are cut; main.ts exits regardless soon after.
        // Event streams end first: otherwise the drain would wait out its timeout on them.
        shuttingDown.abort();
        await shutdown!.stop(config.shutdownTimeoutMs);
        // Work a request left running after its answer (a password reset's mail being queued) ends before the pool.
        await yoga!.dispose();
        // After the requests: a mail one of them committed is still sent, or left to the next start.
        await mailSender?.stop();
        await revocations!.close();
        await connection.close();
      })()),
  };
}
