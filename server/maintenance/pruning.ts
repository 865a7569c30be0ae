import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { pruneExpired, type PruneCounts } from '../db/prune.repository.js';
import type { Logger } from '../logger.js';

/** Kept past expiry for clocks that disagree by up to this much (the server's and the database's). */
const CLOCK_SKEW_MARGIN_MS = 60_000;

export function pruneNow(db: Kysely<Database>, now = new Date()): Promise<PruneCounts> {
  return pruneExpired(db, new Date(now.getTime() - CLOCK_SKEW_MARGIN_MS));
}

/** Prunes on a timer (PRUNE_INTERVAL). Returns the function that stops it. */
export function startPruning(db: Kysely<Database>, intervalSeconds: number, logger: Logger): () => void {
  if (intervalSeconds <= 0) return () => {};
  const timer = setInterval(() => {
    pruneNow(db).then(
      (counts) => logger.debug(counts, 'Pruned expired tokens and sessions'),
      (error: unknown) => logger.error({ err: error }, 'Pruning failed'),
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
