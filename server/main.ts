import cluster from 'node:cluster';

import { loadConfig } from './config.js';
import { connectDatabase, databaseTargetFromConfig } from './db/connect.js';
import { createLogger } from './logger.js';
import { describeStartupError } from './startup-error.js';
import { reportStartupFailure } from './worker-report.js';

const logger = createLogger(process.env.LOG_LEVEL ?? 'info');

try {
  const config = loadConfig(process.env);
  logger.level = config.logLevel;
  if (config.workers > 1 && cluster.isPrimary) {
    const { runPrimary } = await import('./cluster.js');
    await runPrimary(config, logger);
  } else {
    await runServer();
  }

  async function runServer() {
    // Open the database while the GraphQL stack loads: a new embedded database takes seconds to initialize.
    const connecting = connectDatabase(databaseTargetFromConfig(config));
    connecting.catch(() => {}); // handled below, once the import is done
    const { startServer } = await import('./server.js');
    const server = await startServer(config, logger, await connecting);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        logger.info({ signal }, 'Shutting down');
        // The hard bound: requests still running at SHUTDOWN_TIMEOUT are cut, and a database that does not let go
        // (a query stuck on a lock) does not keep the process alive past it.
        setTimeout(() => {
          logger.error({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'Shutdown did not finish in time; exiting');
          process.exit(1);
        }, config.shutdownTimeoutMs + 500).unref();
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'Shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
} catch (error) {
  const reason = describeStartupError(error);
  if (reason) logger.fatal(reason);
  else logger.fatal({ err: error }, 'Tessera failed to start');
  await reportStartupFailure(error); // a cluster worker tells the primary why (server/cluster.ts)
  process.exit(1);
}
