import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { pruneExpired, type PruneCounts } from '../db/prune.repository.js';
import type { Logger } from '../logger.js';

/** Kept past expiry for clocks that disagree by up to this much (the server's and the database's). */
const CLOCK_SKEW_MARGIN_MS = 60_000;

/** AUDIT_RETENTION's default, for callers that do not read the configuration (tests). */
const DEFAULT_AUDIT_RETENTION_SECONDS = 90 * 24 * 3600;

/**
 * Deletes what guards nothing any more. A blacklist entry, or the tombstone of a deleted user or session, is kept as
 * long as a token it refuses could be accepted: past its expiry by JWT_CLOCK_TOLERANCE, and the skew margin on top.
 * Auth events are kept for AUDIT_RETENTION, counted back from that same point (so a little longer, never shorter).
 */
export function pruneNow(
  db: Kysely<Database>,
  now = new Date(),
  clockToleranceSeconds = 0,
  auditRetentionSeconds = DEFAULT_AUDIT_RETENTION_SECONDS,
): Promise<PruneCounts> {
  const before = now.getTime() - CLOCK_SKEW_MARGIN_MS - clockToleranceSeconds * 1000;
  // A retention longer than the epoch is old keeps everything: nothing was written before 1970.
  const authEventsBefore = Math.max(before - auditRetentionSeconds * 1000, 0);
  return pruneExpired(db, new Date(before), new Date(authEventsBefore));
}

/** Prunes on a timer (PRUNE_INTERVAL). Returns the function that stops it. */
export function startPruning(
  db: Kysely<Database>,
  settings: { intervalSeconds: number; clockToleranceSeconds: number; auditRetentionSeconds: number },
  logger: Logger,
): () => void {
  const { intervalSeconds, clockToleranceSeconds, auditRetentionSeconds } = settings;
  if (intervalSeconds <= 0) return () => {};
  const timer = setInterval(() => {
    pruneNow(db, new Date(), clockToleranceSeconds, auditRetentionSeconds).then(
      (counts) => logger.debug(counts, 'Pruned expired tokens, sessions and tombstones, and old auth events'),
      (error: unknown) => logger.error({ err: error }, 'Pruning failed'),
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
