import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { pruneExpired, type PruneCounts } from '../db/prune.repository.js';
import type { Logger } from '../logger.js';

/** Kept past expiry for clocks that disagree by up to this much (the server's and the database's). */
const CLOCK_SKEW_MARGIN_MS = 60_000;

/**
 * Deletes what guards nothing any more. A blacklist entry, or the tombstone of a deleted user or session, is kept as
 * long as a token it refuses could be accepted: past its expiry by JWT_CLOCK_TOLERANCE, and the skew margin on top.
 */
export function pruneNow(db: Kysely<Database>, now = new Date(), clockToleranceSeconds = 0): Promise<PruneCounts> {
  return pruneExpired(db, new Date(now.getTime() - CLOCK_SKEW_MARGIN_MS - clockToleranceSeconds * 1000));
}

/** Prunes on a timer (PRUNE_INTERVAL). Returns the function that stops it. */
export function startPruning(
  db: Kysely<Database>,
  settings: { intervalSeconds: number; clockToleranceSeconds: number },
  logger: Logger,
): () => void {
  const { intervalSeconds, clockToleranceSeconds } = settings;
  if (intervalSeconds <= 0) return () => {};
  const timer = setInterval(() => {
    pruneNow(db, new Date(), clockToleranceSeconds).then(
      (counts) => logger.debug(counts, 'Pruned expired tokens, sessions and tombstones'),
      (error: unknown) => logger.error({ err: error }, 'Pruning failed'),
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
