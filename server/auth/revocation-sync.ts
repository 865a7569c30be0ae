import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { DatabaseConnection } from '../db/connect.js';
import type { NotificationListener } from '../db/notifications.js';
import { findListenerIds } from '../db/listener-peers.repository.js';
import { findLiveRevocations } from '../db/revocation.repository.js';
import type { Logger } from '../logger.js';
import {
  createDatabaseRevocationCheck,
  databaseRevocations,
  type RevocationListener,
  type Revocations,
} from './revocation.js';
import { NoticeDelivery } from './notice-delivery.js';
import { decodeRevocationNotice, REVOCATION_CHANNEL, type RevocationEvent } from './revocation-events.js';
import { RevocationState } from './revocation-state.js';

const SWEEP_INTERVAL_MS = 30_000;

export interface MemoryRevocationSettings {
  /** How old the latest heartbeat echo may be while memory is trusted (REVOCATION_TRUST_WINDOW). */
  trustWindowMs: number;
  /** A token is accepted until its `exp` plus this: its revocation must be kept that long. */
  clockToleranceSeconds?: number;
  clock?: Clock;
}

/**
 * REVOCATION_CHECK=memory: checks tokens against in-memory state that every process keeps in step through
 * Postgres LISTEN/NOTIFY. Memory is trusted only while it provably holds every revocation older than the trust
 * window: the state was (re)loaded after the listener last connected, and the listener has heard back a heartbeat
 * sent less than `trustWindowMs` ago (notifications arrive in commit order, so nothing committed before that
 * heartbeat is still in flight). Otherwise tokens are checked against the database, request by request.
 *
 * The guarantee that follows: a process that revokes answers once its own notice has come back, or once the trust
 * window has passed since the commit. Either way, from then on every process either holds the revocation or has
 * stopped trusting its memory; a process with a healthy listener holds it at once.
 */
export async function startMemoryRevocations(
  connection: DatabaseConnection,
  logger: Logger,
  { trustWindowMs, clockToleranceSeconds = 0, clock = systemClock }: MemoryRevocationSettings,
): Promise<Revocations> {
  const sweepBefore = () => clock.now() - clockToleranceSeconds * 1000;
  const state = new RevocationState();
  const delivery = new NoticeDelivery(clock);
  const database = createDatabaseRevocationCheck(connection.db);
  // The state holds everything committed before the listener's current connection: set by a completed (re)load,
  // cleared by a disconnection.
  let loaded = false;
  let generation = 0;
  // Told of every batch once applied (the revocation feed): a subscriber's mistake must not stop the others.
  const subscribers = new Set<RevocationListener>();
  const published = (events: readonly RevocationEvent[]) => {
    // Every unit of work applies what it revoked, mostly nothing.
    if (events.length === 0) return;
    for (const subscriber of subscribers) {
      try {
        subscriber(events);
      } catch (error) {
        logger.error({ err: error }, 'A revocation subscriber failed');
      }
    }
  };

  async function reload() {
    const loading = ++generation;
    const events = await findLiveRevocations(connection.db, new Date(sweepBefore()));
    const learned = events.filter((event) => state.apply(event));
    state.sweep(sweepBefore());
    // After a lost listener, this is how subscribers learn what was committed while notifications were missed.
    published(learned);
    // A disconnection during the load makes this load worthless: the next connection starts another.
    if (loading === generation) loaded = true;
    return events.length;
  }

  let listener: NotificationListener | undefined;
  let everConnected = false;
  let connected = false;
  let fallbackChecks = 0;
  let closing = false;
  listener = await connection.listen(
    REVOCATION_CHANNEL,
    {
      onNotification(payload) {
        const notice = decodeRevocationNotice(payload);
        if (!notice) {
          logger.error('A revocation notification could not be read; checking tokens against the database');
          loaded = false;
          void reloadAfterReconnect();
          return;
        }
        for (const event of notice.events) state.apply(event);
        const ours = listener?.directChannel !== undefined && notice.replyTo === listener.directChannel;
        // Ours was published when `apply` took it, as its commit returned.
        if (!ours) published(notice.events);
        if (!listener?.id) return;
        // Ours, come back; or a peer's, acknowledged once applied: the peer answers its client only after this.
        if (notice.replyTo === listener.directChannel) delivery.received(notice.id, listener.id);
        else if (notice.replyTo) listener.send(notice.replyTo, `${notice.id} ${listener.id}`);
      },
      onDirect(payload) {
        const [noticeId, from] = payload.split(' ');
        if (noticeId && from) delivery.received(noticeId, from);
      },
      onConnected() {
        connected = true;
        if (!everConnected) {
          everConnected = true;
          return; // the first load follows below
        }
        void reloadAfterReconnect();
      },
      onDisconnected(error) {
        connected = false;
        if (loaded) {
          logger.warn(
            { err: error },
            'Lost the revocation listener connection: checking tokens against the database until it is back',
          );
        }
        loaded = false;
        generation++;
      },
    },
    // Several heartbeats per window, so one late echo does not cost the window.
    { heartbeatIntervalMs: Math.max(25, Math.floor(trustWindowMs / 4)), revocationPeer: true },
  );

  const echoAge = () => Math.max(0, clock.now() - (listener?.deliveredUpTo() ?? 0));
  const trusted = () => loaded && echoAge() < trustWindowMs;

  /** Reloads until it succeeds (with backoff) or the connection drops again, which starts its own reload. */
  async function reloadAfterReconnect(attempt = 0): Promise<void> {
    const forConnection = generation;
    try {
      const count = await reload();
      if (loaded) logger.info({ revocations: count }, 'Revocation listener is back; state reloaded');
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
  // Says when heartbeat echoes stop coming back in time (and when they return): no error reports a silent link.
  let echoesLate = false;
  const watch = setInterval(
    () => {
      const late = echoAge() >= trustWindowMs;
      if (late === echoesLate) return;
      echoesLate = late;
      if (late) {
        logger.warn(
          { echoAgeMs: echoAge(), trustWindowMs },
          'No heartbeat echo from the revocation listener within the trust window: checking tokens against the database',
        );
      } else logger.info('Revocation listener heartbeats are back in time');
    },
    Math.max(25, Math.floor(trustWindowMs / 4)),
  );
  watch.unref();

  return {
    check(claims) {
      if (trusted()) return state.check(claims);
      fallbackChecks++;
      return database.check(claims);
    },
    apply(events) {
      for (const event of events) state.apply(event);
      published(events);
    },
    subscribe(subscriber) {
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
      };
    },
    async awaitDelivery(ids) {
      if (!listener?.id) return; // in process (PGlite): applied as the commit returned
      // Every listener connected now, this process's own included, must report; one that cannot within the window
      // (its link slow, silent or gone) has stopped trusting its memory by then, so answering is safe.
      if (await delivery.wait(ids, findListenerIds(connection.db), trustWindowMs)) return;
      logger.warn(
        { trustWindowMs },
        'A revocation notice did not come back within the trust window; answered once the window had passed',
      );
    },
    replyTo: listener.directChannel,
    status: () => (trusted() ? 'memory' : 'database-fallback'),
    // Embedded PGlite delivers in process: there is no heartbeat, and no age to report.
    listenerEchoAgeMs: () => (Number.isFinite(listener?.deliveredUpTo() ?? 0) ? echoAge() : undefined),
    listenerConnected: () => connected && listener !== undefined,
    databaseFallbackChecks: () => fallbackChecks,
    // Bumped by every disconnection and every (re)load: a lost notice is always followed by both.
    memoryEpoch: () => generation,
    state,
    async close() {
      closing = true;
      clearInterval(sweeper);
      clearInterval(watch);
      await listener?.close();
      listener = undefined;
    },
  };
}

/** The revocation check REVOCATION_CHECK asks for. */
export function startRevocations(
  config: Pick<Config, 'revocationCheck' | 'jwtClockToleranceSeconds' | 'revocationTrustWindowMs'>,
  connection: DatabaseConnection,
  logger: Logger,
): Promise<Revocations> {
  return config.revocationCheck === 'memory'
    ? startMemoryRevocations(connection, logger, {
        trustWindowMs: config.revocationTrustWindowMs,
        clockToleranceSeconds: config.jwtClockToleranceSeconds,
      })
    : Promise.resolve(databaseRevocations(connection.db));
}
