import { createServer, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';

import { createApp } from './app.js';
import type { Revocations } from './auth/revocation.js';
import { startRevocations } from './auth/revocation-sync.js';
import { loadJwtKey } from './auth/jwt-secret.js';
import type { Config } from './config.js';
import type { DatabaseConnection } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import type { Logger } from './logger.js';
import { startPruning } from './maintenance/pruning.js';
import { createRateLimits } from './security/rate-limits.js';

export interface RunningServer {
  readonly url: string;
  readonly revocations: Revocations;
  /** Stops taking connections, lets requests in flight finish (up to a grace period), closes the database. */
  close(): Promise<void>;
}

/**
 * On shutdown, connections the kernel has already accepted are still taken for up to this long, until none has come
 * for `BACKLOG_QUIET_MS`: closing the listening socket at once would reset them.
 */
const BACKLOG_DRAIN_MAX_MS = 250;
const BACKLOG_QUIET_MS = 25;
/** How long a connection accepted during the drain has to send its request before it counts as idle. */
const IDLE_CONNECTION_GRACE_MS = 200;

/** database -> migrations -> app -> listen. The server owns the connection from here and closes it. */
export async function startServer(
  config: Config,
  logger: Logger,
  connection: DatabaseConnection,
): Promise<RunningServer> {
  let server: Server | undefined;
  let shuttingDown = false;
  const inFlight = new Set<ServerResponse>();
  let revocations: Revocations | undefined;
  let stopPruning = () => {};
  try {
    const applied = await migrateToLatest(connection.db);
    for (const migration of applied) logger.info({ migration: migration.migrationName }, 'Applied migration');
    const jwtKey = await loadJwtKey(config, logger);
    revocations = await startRevocations(config, connection, logger);
    const rateLimits = createRateLimits(config, connection);
    const yoga = createApp({ config, db: connection.db, jwtKey, logger, revocations, rateLimits });
    server = createServer((req, res) => {
      // Once shutting down, every response ends its connection, so a keep-alive client moves to another process
      // instead of being cut mid-request when the grace period runs out.
      if (shuttingDown) res.setHeader('connection', 'close');
      else inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      void yoga(req, res);
    });
    stopPruning = startPruning(
      connection.db,
      { intervalSeconds: config.pruneIntervalSeconds, clockToleranceSeconds: config.jwtClockToleranceSeconds },
      logger,
    );
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port, config.host, resolve);
    });
  } catch (error) {
    stopPruning();
    server?.close();
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
    close: () =>
      (closing ??= (async () => {
        stopPruning();
        const open = server!;
        shuttingDown = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        await drainBacklog(open);
        // Stop listening without http.Server#close's closeIdleConnections(): to Node, a connection accepted a moment
        // ago that has not sent its request yet is idle too, and it would be reset with the request on its way.
        const stopped = new Promise<void>((resolve) => NetServer.prototype.close.call(open, () => resolve()));
        // Kept-alive connections waiting between requests are closed once those new ones have had their moment.
        const idle = setTimeout(() => open.closeIdleConnections(), IDLE_CONNECTION_GRACE_MS);
        // Past the timeout, requests still running are cut; main.ts exits regardless soon after.
        const force = setTimeout(() => open.closeAllConnections(), config.shutdownTimeoutMs);
        await stopped;
        clearTimeout(idle);
        clearTimeout(force);
        await revocations!.close();
        await connection.close();
      })()),
  };
}

/** Resolves once no new connection has arrived for a moment (or after a bound), so the accept queue is empty. */
function drainBacklog(server: Server): Promise<void> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout;
    const done = () => {
      clearTimeout(quiet);
      clearTimeout(bound);
      server.off('connection', restart);
      resolve();
    };
    const restart = () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, BACKLOG_QUIET_MS);
    };
    const bound = setTimeout(done, BACKLOG_DRAIN_MAX_MS);
    server.on('connection', restart);
    restart();
  });
}
