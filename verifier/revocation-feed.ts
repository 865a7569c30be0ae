import type { EventSourceMessage } from 'eventsource-parser';

import type { Clock } from './clock.js';
import { readRevocationEvents } from './revocation-event.js';
import { RevocationState } from './revocation-state.js';
import { readServerSentEvents } from './server-sent-events.js';

/**
 * `live`: the feed is connected and Tessera has vouched for its state within the heartbeat timeout, so the memory
 * here is current. `connecting`: a connection is being made, or is open but has not heard a heartbeat yet.
 * `down`: waiting before the next attempt. Only `live` is trusted; otherwise each token goes to introspection.
 */
export type FeedStatus = 'live' | 'connecting' | 'down';

export interface RevocationFeed {
  /** Revocations the feed has told of. Never undone, so a hit refuses a token whether or not the feed is live. */
  readonly state: RevocationState;
  /** Whether `state` is provably current: a heartbeat heard on the open connection within the timeout. */
  trusted(): boolean;
  status(): FeedStatus;
  readonly lastEventId: string | undefined;
  /** Why the latest connection ended, or could not be made. */
  readonly lastError: string | undefined;
  /** Resolves once the feed is first live, or its first attempt has failed. */
  readonly settled: Promise<void>;
  close(): Promise<void>;
}

export interface RevocationFeedOptions {
  readonly url: string;
  readonly authorization: string;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly heartbeatTimeoutMs: number;
}

// Tessera's `retry:` (1 s) is the first wait; failures double it up to this, so a verifier reconnects within seconds
// of Tessera's return without hammering it while it is away.
const MAX_RETRY_MS = 5_000;
const SWEEP_INTERVAL_MS = 60_000;

/** Follows `GET /revocations` for as long as it is open: reconnects with `Last-Event-ID`, replaces state on a snapshot. */
export function openRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const { clock, heartbeatTimeoutMs } = options;
  let state = new RevocationState();
  let phase: 'connecting' | 'open' | 'down' = 'connecting';
  let phaseSince = clock.now();
  /** When the current connection last carried a heartbeat; undefined until its first. */
  let heartbeatAt: number | undefined;
  /** Whether `state` came from a snapshot and every event since (else the next connection must bring a snapshot). */
  let baseline = false;
  let lastEventId: string | undefined;
  let lastError: string | undefined;
  let retryMs = 1_000;
  let delayMs = retryMs;
  let closed = false;
  let connection: AbortController | undefined;
  let wake: (() => void) | undefined;
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));

  const trusted = () =>
    phase === 'open' && baseline && heartbeatAt !== undefined && clock.now() - heartbeatAt <= heartbeatTimeoutMs;

  function onEvent(message: EventSourceMessage): void {
    if (message.event === 'heartbeat') {
      // Heartbeats come only while Tessera's own state is trusted, and after everything sent before them.
      if (!baseline) return;
      heartbeatAt = clock.now();
      delayMs = retryMs;
      settle();
      return;
    }
    if (message.event !== 'snapshot' && message.event !== 'revocation') return;
    const data = parseJson(message.data);
    const events = readRevocationEvents(message.event === 'snapshot' ? data?.revocations : data?.events);
    if (!events || !message.id || (message.event === 'revocation' && !baseline)) {
      baseline = false;
      lastEventId = undefined;
      throw new Error(`a malformed ${message.event} event`);
    }
    if (message.event === 'snapshot') {
      state = new RevocationState();
      baseline = true;
    }
    for (const event of events) state.apply(event);
    lastEventId = message.id;
  }

  async function connectOnce(): Promise<void> {
    const controller = new AbortController();
    connection = controller;
    phase = 'connecting';
    phaseSince = clock.now();
    heartbeatAt = undefined;
    const response = await options.fetch(options.url, {
      headers: {
        authorization: options.authorization,
        accept: 'text/event-stream',
        ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
      },
      signal: controller.signal,
    });
    if (!response.ok || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`the feed answered HTTP ${response.status}`);
    }
    phase = 'open';
    phaseSince = clock.now();
    await readServerSentEvents(response.body!, {
      onEvent,
      onRetry: (ms) => (retryMs = Math.min(Math.max(ms, 100), MAX_RETRY_MS)),
    });
    throw new Error('the feed closed');
  }

  // A connection that goes quiet (a dropped network path sends no FIN) is cut and made again.
  const watchdog = setInterval(
    () => {
      if (phase === 'down') return;
      const silentMs = clock.now() - (heartbeatAt ?? phaseSince);
      if (silentMs > heartbeatTimeoutMs) connection?.abort(new Error(`no heartbeat for ${silentMs} ms`));
    },
    Math.min(1_000, heartbeatTimeoutMs / 3),
  );
  watchdog.unref();
  const sweeper = setInterval(() => state.sweep(clock.now()), SWEEP_INTERVAL_MS);
  sweeper.unref();

  const running = (async () => {
    while (!closed) {
      try {
        await connectOnce();
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (closed) break;
      phase = 'down';
      phaseSince = clock.now();
      heartbeatAt = undefined;
      settle();
      // Jitter, so that the services that lost Tessera together do not all come back in the same millisecond.
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, delayMs * (0.8 + Math.random() * 0.4)).unref();
      });
      delayMs = Math.min(delayMs * 2, MAX_RETRY_MS);
    }
  })();

  return {
    get state() {
      return state;
    },
    trusted,
    status: () => (trusted() ? 'live' : phase === 'down' ? 'down' : 'connecting'),
    get lastEventId() {
      return lastEventId;
    },
    get lastError() {
      return lastError;
    },
    settled,
    async close() {
      closed = true;
      clearInterval(watchdog);
      clearInterval(sweeper);
      connection?.abort(new Error('closed'));
      wake?.();
      await running;
    },
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
