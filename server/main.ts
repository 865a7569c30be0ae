import cluster from 'node:cluster';

import { loadConfig } from './config.js';
import { connectDatabase, databaseTargetFromConfig } from './db/connect.js';
import { createLogger } from './logger.js';
import { describeStartupError } from './startup-error.js';

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
  process.exit(1);
}
