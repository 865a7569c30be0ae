import { randomBytes } from 'node:crypto';

import pg from 'pg';

import { systemClock, type Clock } from '../clock.js';
import type { ListenOptions, NotificationHandlers, NotificationListener } from './notifications.js';

/**
 * Postgres's `application_name` of a listening connection: this prefix, the listener's id, and a label
 * (`tessera-listener/3f9a0c1b2d4e/revocations`). Operators (and tests) find listeners by it, and a process that
 * revokes finds the peers whose acknowledgement it waits for (`listenerIdOf`).
 */
export const LISTENER_APPLICATION_PREFIX = 'tessera-listener/';
/** The same for a listener that is no revocation peer (ListenOptions.revocationPeer unset). */
const OTHER_LISTENER_APPLICATION_PREFIX = 'tessera-aux-listener/';

/** The id in a listener's `application_name`, or undefined for any other connection. */
export function listenerIdOf(applicationName: string): string | undefined {
  if (!applicationName.startsWith(LISTENER_APPLICATION_PREFIX)) return undefined;
  return applicationName.slice(LISTENER_APPLICATION_PREFIX.length).split('/')[0] || undefined;
}

const HEARTBEAT_PREFIX = 'heartbeat ';
const PROBE_PREFIX = 'probe ';

export interface PgListenerOptions {
  /** A label for the listening connection's `application_name` (after the prefix and id). */
  applicationName?: string;
  /** First delay before reconnecting; doubles on each failure up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /**
   * A connection that has not echoed a heartbeat for this long is dropped and made again. A connection can go
   * silent without closing (a NAT or firewall dropping its state): only traffic that must come back shows it.
   */
  silentAfterMs?: number;
  clock?: Clock;
  /**
   * Sends a notification from another connection (the pool). Each connection must hear one before it is trusted:
   * through a transaction pooler such as PgBouncer, LISTEN holds a server connection only for the statement that
   * runs it, so notifications from other sessions go astray, while the listener's own heartbeats (sent and heard
   * on whatever server connection it holds at that moment) may still come back and look healthy.
   */
  probeFromAnotherConnection?: (channel: string, payload: string) => Promise<unknown>;
}

/**
 * LISTENs on a dedicated connection (a pooled one would be handed to queries and lose the subscription), and
 * reconnects with backoff when that connection is lost, telling the handlers both ways. One connection attempt at a
 * time: a failure is handled once, whether pg reports it by rejecting, by 'error' or by 'end'.
 *
 * The connection proves it still delivers: every `heartbeatIntervalMs` it NOTIFYs a channel of its own and waits to
 * hear it back. Notifications reach a listener in commit order, so an echo of a heartbeat sent at `t` means every
 * notification committed before `t` has arrived (`deliveredUpTo`). The heartbeat goes over the listening connection
 * itself, so it is never queued behind the pool's queries, and a connection that is silent in either direction
 * stops echoing.
 */
export async function listenWithPg(
  url: string,
  channel: string,
  handlers: NotificationHandlers,
  { heartbeatIntervalMs, revocationPeer }: ListenOptions,
  options: PgListenerOptions = {},
): Promise<NotificationListener> {
  const clock = options.clock ?? systemClock;
  const firstDelay = options.reconnectDelayMs ?? 200;
  const maxDelay = options.maxReconnectDelayMs ?? 5_000;
  const silentAfter = options.silentAfterMs ?? Math.max(2_000, 4 * heartbeatIntervalMs);
  const id = randomBytes(6).toString('hex');
  // Heartbeats and acknowledgements from peers. Identifiers are at most 63 bytes: the channel names are short.
  const directChannel = `${channel}_to_${id}`;
  // application_name is cut at 63 bytes too: the label goes last.
  const prefix = revocationPeer ? LISTENER_APPLICATION_PREFIX : OTHER_LISTENER_APPLICATION_PREFIX;
  const applicationName = `${prefix}${id}/${options.applicationName ?? channel}`;
  let closed = false;
  let client: pg.Client | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let delay = firstDelay;
  let deliveredUpTo = 0;
  let echoWaiter: (() => void) | undefined;
  let probeWaiter: ((payload: string) => void) | undefined;

  /** Connects, listens, and hears one heartbeat back; rejects (with the client ended) if any of that fails. */
  async function connect(): Promise<void> {
    const next = new pg.Client({
      connectionString: url,
      application_name: applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: silentAfter,
    });
    let established = false;
    let lost = false;
    const onLost = (error: Error) => {
      // Before `established`, connect()'s own rejection reports the failure.
      if (!established || lost || closed) return;
      lost = true;
      client = undefined;
      clearInterval(heartbeat);
      next.end().catch(() => {});
      handlers.onDisconnected(error);
      scheduleReconnect();
    };
    next.on('error', onLost);
    next.on('end', () => onLost(new Error('The listening connection ended')));
    next.on('notification', (message) => {
      if (message.channel === directChannel) {
        const payload = message.payload ?? '';
        if (payload.startsWith(HEARTBEAT_PREFIX)) {
          deliveredUpTo = Math.max(deliveredUpTo, Number(payload.slice(HEARTBEAT_PREFIX.length)));
          echoWaiter?.();
        } else if (payload.startsWith(PROBE_PREFIX)) probeWaiter?.(payload);
        else handlers.onDirect?.(payload);
      } else if (message.channel === channel && message.payload !== undefined) {
        handlers.onNotification(message.payload);
      }
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}; LISTEN ${pg.escapeIdentifier(directChannel)}`);
      const echoed = new Promise<void>((resolve) => (echoWaiter = resolve));
      sendHeartbeat(next);
      await withTimeout(echoed, silentAfter, 'The listening connection did not echo a heartbeat');
      if (options.probeFromAnotherConnection) await probe(options.probeFromAnotherConnection);
    } catch (error) {
      destroy(next);
      throw error;
    } finally {
      echoWaiter = undefined;
      probeWaiter = undefined;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    established = true;
    client = next;
    delay = firstDelay;
    heartbeat = setInterval(() => beat(next), heartbeatIntervalMs);
    heartbeat.unref();
    handlers.onConnected();
  }

  /** Hears one notification sent from another connection, or throws `ListenerUnreachableError`. */
  async function probe(send: (channel: string, payload: string) => Promise<unknown>) {
    const payload = `${PROBE_PREFIX}${randomBytes(8).toString('hex')}`;
    const heard = new Promise<void>((resolve) => {
      probeWaiter = (received) => {
        if (received === payload) resolve();
      };
    });
    await send(directChannel, payload);
    await withTimeout(heard, silentAfter, 'probe').catch(() => {
      throw new ListenerUnreachableError(silentAfter);
    });
  }

  let heartbeatInFlight = false;
  function sendHeartbeat(target: pg.Client) {
    // The time is taken before the NOTIFY is sent, so the NOTIFY commits after it.
    heartbeatInFlight = true;
    target
      .query('select pg_notify($1, $2)', [directChannel, `${HEARTBEAT_PREFIX}${clock.now()}`])
      .catch(() => {})
      .finally(() => (heartbeatInFlight = false));
  }

  function beat(target: pg.Client) {
    if (clock.now() - deliveredUpTo < silentAfter) {
      // One at a time: on a stalled connection they would only queue up.
      if (!heartbeatInFlight) sendHeartbeat(target);
      return;
    }
    // Silent for too long. Check once more after pending input is read (a blocked event loop is not a dead link),
    // then drop the connection; its 'error'/'end' starts a reconnect.
    setImmediate(() => {
      if (client === target && clock.now() - deliveredUpTo >= silentAfter) destroy(target);
    });
  }

  function scheduleReconnect() {
    if (closed) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => {
      if (closed) return;
      connect().catch((error: Error) => {
        delay = Math.min(delay * 2, maxDelay);
        handlers.onDisconnected(error);
        scheduleReconnect();
      });
    }, delay);
    reconnectTimer.unref();
  }

  await connect();
  return {
    deliveredUpTo: () => deliveredUpTo,
    directChannel,
    id,
    send(target, payload) {
      client?.query('select pg_notify($1, $2)', [target, payload]).catch(() => {});
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      clearInterval(heartbeat);
      const open = client;
      client = undefined;
      // A graceful end needs the server to answer; on a silent connection it never would.
      if (open) await withTimeout(open.end(), 1_000, 'closing').catch(() => destroy(open));
    },
  };
}

/**
 * Notifications from other sessions do not reach the listening connection, though it answers: it goes through a
 * transaction pooler. Nothing but a direct connection for LISTEN fixes that.
 */
export class ListenerUnreachableError extends Error {
  override name = 'ListenerUnreachableError';
  constructor(waitedMs: number) {
    super(
      `Notifications sent from another connection did not reach the listening connection within ${waitedMs} ms. ` +
        'LISTEN does not work through a transaction pooler such as PgBouncer: set DATABASE_LISTEN_URL to a direct ' +
        'connection to Postgres (queries may still go through the pooler with DATABASE_URL).',
    );
  }
}

/** Ends a client's connection at once, without the goodbye a silent peer would never answer. */
function destroy(client: pg.Client) {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  client.end().catch(() => {});
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
