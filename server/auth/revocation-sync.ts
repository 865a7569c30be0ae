import type { Config } from '../config.js';
import type { DatabaseConnection } from '../db/connect.js';
import type { NotificationListener } from '../db/notifications.js';
import { findLiveRevocations } from '../db/revocation.repository.js';
import type { Logger } from '../logger.js';
import { createDatabaseRevocationCheck, databaseRevocations, type Revocations } from './revocation.js';
import { NoticeDelivery } from './notice-delivery.js';
import { decodeRevocationNotice, REVOCATION_CHANNEL } from './revocation-events.js';
import { RevocationState } from './revocation-state.js';

const SWEEP_INTERVAL_MS = 30_000;

/**
 * REVOCATION_CHECK=memory: checks tokens against in-memory state that every process keeps in step through
 * Postgres LISTEN/NOTIFY. While the listening connection is down, notifications are being missed, so memory is not
 * trusted: tokens are checked against the database until the listener is back and the state has been reloaded.
 */
export async function startMemoryRevocations(
  connection: DatabaseConnection,
  logger: Logger,
  clockToleranceSeconds = 0,
): Promise<Revocations> {
  // A token is accepted until its `exp` plus the tolerance: its revocation must be kept that long.
  const sweepBefore = () => Date.now() - clockToleranceSeconds * 1000;
  const state = new RevocationState();
  const delivery = new NoticeDelivery();
  const database = createDatabaseRevocationCheck(connection.db);
  // Memory is trusted only between a completed (re)load and the next disconnection.
  let trusted = false;
  let generation = 0;

  async function reload() {
    const loading = ++generation;
    const events = await findLiveRevocations(connection.db, new Date(sweepBefore()));
    for (const event of events) state.apply(event);
    state.sweep(sweepBefore());
    // A disconnection during the load makes this load worthless: the next connection starts another.
    if (loading === generation) trusted = true;
    return events.length;
  }

  let listener: NotificationListener | undefined;
  let everConnected = false;
  let closing = false;
  listener = await connection.listen(REVOCATION_CHANNEL, {
    onNotification(payload) {
      const notice = decodeRevocationNotice(payload);
      if (!notice) {
        logger.error('A revocation notification could not be read; checking tokens against the database');
        trusted = false;
        void reloadAfterReconnect();
        return;
      }
      for (const event of notice.events) state.apply(event);
      delivery.received(notice.id);
    },
    onConnected() {
      if (!everConnected) {
        everConnected = true;
        return; // the first load follows below
      }
      void reloadAfterReconnect();
    },
    onDisconnected(error) {
      if (trusted) {
        logger.warn(
          { err: error },
          'Lost the revocation listener connection: checking tokens against the database until it is back',
        );
      }
      trusted = false;
      generation++;
    },
  });

  /** Reloads until it succeeds (with backoff) or the connection drops again, which starts its own reload. */
  async function reloadAfterReconnect(attempt = 0): Promise<void> {
    const forConnection = generation;
    try {
      const count = await reload();
      if (trusted) logger.info({ revocations: count }, 'Revocation listener is back; state reloaded');
    } catch (error) {
      logger.error({ err: error }, 'Reloading revocations failed; still checking against the database');
      if (closing || generation !== forConnection + 1) return;
      const retry = setTimeout(() => void reloadAfterReconnect(attempt + 1), Math.min(30_000, 500 * 2 ** attempt));
      retry.unref();
    }
  }

  const count = await reload();
  logger.debug({ revocations: count }, 'Loaded revocations into memory');

  const sweeper = setInterval(() => state.sweep(sweepBefore()), SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    check: (claims) => (trusted ? state.check(claims) : database.check(claims)),
    apply(events) {
      for (const event of events) state.apply(event);
    },
    // While our listener is down our own notice cannot come back to us; the other processes still receive it.
    awaitDelivery: (ids) => (trusted ? delivery.wait(ids) : Promise.resolve()),
    status: () => (trusted ? 'memory' : 'database-fallback'),
    state,
    async close() {
      closing = true;
      clearInterval(sweeper);
      await listener?.close();
      listener = undefined;
    },
  };
}

/** The revocation check REVOCATION_CHECK asks for. */
export function startRevocations(
  config: Pick<Config, 'revocationCheck' | 'jwtClockToleranceSeconds'>,
  connection: DatabaseConnection,
  logger: Logger,
): Promise<Revocations> {
  return config.revocationCheck === 'memory'
    ? startMemoryRevocations(connection, logger, config.jwtClockToleranceSeconds)
    : Promise.resolve(databaseRevocations(connection.db));
}
