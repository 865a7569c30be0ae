import cluster, { type Worker } from 'node:cluster';

import { loadJwtKey } from './auth/jwt-secret.js';
import type { Config } from './config.js';
import { connectDatabase, databaseTargetFromConfig } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import type { Logger } from './logger.js';

/**
 * TESSERA_WORKERS=N: this (primary) process migrates the database once, then forks N workers that share the port
 * (node:cluster hands connections round-robin). Each worker keeps its own revocation state, in step with the others
 * through Postgres LISTEN/NOTIFY. A worker that dies is replaced; SIGTERM/SIGINT stop them all gracefully.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const connection = await connectDatabase(databaseTargetFromConfig(config));
  try {
    for (const migration of await migrateToLatest(connection.db)) {
      logger.info({ migration: migration.migrationName }, 'Applied migration');
    }
    await loadJwtKey(config, logger); // generates the shared secret file once, before any worker reads it
  } finally {
    await connection.close();
  }

  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'A worker exited; starting another');
    fork();
  });
  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers }, 'Started workers');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
      logger.info({ signal }, 'Stopping workers');
      const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker);
      let left = workers.length;
      if (left === 0) process.exit(0);
      for (const worker of workers) {
        worker.once('exit', () => {
          if (--left === 0) process.exit(0);
        });
        worker.process.kill('SIGTERM');
      }
    });
  }
}
