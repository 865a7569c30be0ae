import pg from 'pg';

import type { NotificationHandlers, NotificationListener } from './notifications.js';

/** Postgres's `application_name` of the listening connection, so operators (and tests) can find it. */
export const LISTENER_APPLICATION_NAME = 'tessera-revocation-listener';

export interface PgListenerOptions {
  /** Postgres's `application_name` for the listening connection. */
  applicationName?: string;
  /** First delay before reconnecting; doubles on each failure up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/**
 * LISTENs on a dedicated connection (a pooled one would be handed to queries and lose the subscription), and
 * reconnects with backoff when that connection is lost, telling the handlers both ways. One connection attempt at a
 * time: a failure is handled once, whether pg reports it by rejecting, by 'error' or by 'end'.
 */
export async function listenWithPg(
  url: string,
  channel: string,
  handlers: NotificationHandlers,
  options: PgListenerOptions = {},
): Promise<NotificationListener> {
  const firstDelay = options.reconnectDelayMs ?? 200;
  const maxDelay = options.maxReconnectDelayMs ?? 5_000;
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = firstDelay;

  /** Connects and listens; rejects (with the client ended) if that fails. */
  async function connect(): Promise<void> {
    const next = new pg.Client({
      connectionString: url,
      application_name: options.applicationName ?? LISTENER_APPLICATION_NAME,
    });
    let established = false;
    let lost = false;
    const onLost = (error: Error) => {
      // Before `established`, connect()'s own rejection reports the failure.
      if (!established || lost || closed) return;
      lost = true;
      client = undefined;
      next.end().catch(() => {});
      handlers.onDisconnected(error);
      scheduleReconnect();
    };
    next.on('error', onLost);
    next.on('end', () => onLost(new Error('The listening connection ended')));
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) handlers.onNotification(message.payload);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    established = true;
    client = next;
    delay = firstDelay;
    handlers.onConnected();
  }

  function scheduleReconnect() {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (closed) return;
      connect().catch((error: Error) => {
        delay = Math.min(delay * 2, maxDelay);
        handlers.onDisconnected(error);
        scheduleReconnect();
      });
    }, delay);
    timer.unref();
  }

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
