import type { IncomingMessage } from 'node:http';

import type { Plugin } from 'graphql-yoga';

import { isRevocation } from '../auth/revocation-events.js';
import type { Revocations } from '../auth/revocation.js';
import { systemClock, type Clock } from '../clock.js';
import type { ServiceAuthGuard } from '../services/service-auth-guard.js';
import { encodeEvent, openEventStream, type EventStream } from './event-stream.js';
import { RevocationFeedLog, type FeedNotice } from './revocation-feed-log.js';
import { answeringAt } from './answering-at.js';

export const REVOCATION_FEED_PATH = '/revocations';

/** A verifier that hears no heartbeat for 3 s stops trusting its state: one a second leaves room for a late one. */
const HEARTBEAT_INTERVAL_MS = 1_000;
const RETRY_MS = 1_000;
/** An open stream outlives its request: its credential is checked again this often (a revoked one is cut). */
const CREDENTIAL_RECHECK_MS = 60_000;
/** Events queued for one slow reader before its stream is cut (it resumes from the log, or from a snapshot). */
const MAX_QUEUED_EVENTS = 1_000;

export interface RevocationFeedOptions {
  revocations: Pick<Revocations, 'status' | 'subscribe' | 'state'>;
  /** Who may read the feed: a service presenting its credentials (HTTP Basic), failures limited per address. */
  guard: Pick<ServiceAuthGuard, 'check'>;
  clientAddress: (req: IncomingMessage | undefined) => string | null;
  /** Stamps heartbeats. */
  clock?: Clock;
  /**
   * Aborted when the server begins to shut down: open streams end then, so the drain does not wait out its timeout
   * on them (clients reconnect, to this server's successor). `yoga.dispose()` ends them too.
   */
  shuttingDown?: AbortSignal;
  /** How often an open stream's credential is checked again (tests shorten it). */
  credentialRecheckMs?: number;
}

/**
 * `GET /revocations`: this process's revocation state as Server-Sent Events, for services that verify Tessera tokens
 * themselves. A snapshot of every live revocation, then each batch as this process applies it (its own commits and
 * other processes' notices), then heartbeats, but only while this process's own state is trusted: a verifier that
 * stops hearing them knows to stop trusting its copy. `Last-Event-ID` resumes from the recent log, or gets a new
 * snapshot. REVOCATION_CHECK=database keeps no state: 503, and verifiers use introspection.
 */
export function useRevocationFeed({
  revocations,
  guard,
  clientAddress,
  clock = systemClock,
  shuttingDown,
  credentialRecheckMs = CREDENTIAL_RECHECK_MS,
}: RevocationFeedOptions): Plugin {
  const { state, subscribe } = revocations;
  // Each open stream, with the request whose credentials are checked again while it stays open.
  const streams = new Map<EventStream, Request>();
  // Numbered from the start, streams open or not: a client that reconnects must find what it missed meanwhile.
  const log = state && subscribe ? new RevocationFeedLog() : undefined;
  const unsubscribe =
    log &&
    subscribe?.((events) => {
      // Internal notices share the channel (the key ring's, a user's changed row): services get revocations only.
      const revoked = events.filter(isRevocation);
      if (revoked.length > 0) broadcast(log.append(revoked));
    });
  let heartbeat: NodeJS.Timeout | undefined;
  let recheck: NodeJS.Timeout | undefined;
  let closed = false;

  function broadcast(notice: FeedNotice) {
    if (streams.size === 0) return;
    const chunk = noticeEvent(notice);
    for (const stream of streams.keys()) stream.write(chunk);
  }

  async function recheckCredentials() {
    for (const [stream, request] of streams) {
      // A database that does not answer is no reason to cut a reader: only a refusal is. Our own check: no address
      // to count it against.
      const auth = await guard.check(request, null).catch(() => ({ ok: true }));
      if (!auth.ok) stream.close();
    }
  }

  function beat(to: Iterable<EventStream>) {
    if (revocations.status() !== 'memory') return;
    const chunk = encodeEvent({ event: 'heartbeat', data: { at: clock.now() } });
    for (const stream of to) stream.write(chunk);
  }

  function open(request: Request): EventStream {
    const lastEventId = request.headers.get('last-event-id');
    // Node's own stream, not Yoga's ponyfill: only its `desiredSize` tracks the queue, which cuts a slow reader.
    const stream = openEventStream(ReadableStream, {
      retryMs: RETRY_MS,
      maxQueued: MAX_QUEUED_EVENTS,
      onClose() {
        streams.delete(stream);
        if (streams.size > 0) return;
        clearInterval(heartbeat);
        clearInterval(recheck);
        heartbeat = recheck = undefined;
      },
    });
    // In one synchronous step with joining `streams`: nothing applied between the two is lost or sent twice.
    const missed = lastEventId === null ? undefined : log!.since(lastEventId);
    if (missed) for (const notice of missed) stream.write(noticeEvent(notice));
    else stream.write(encodeEvent({ event: 'snapshot', id: log!.lastId, data: { revocations: state!.snapshot() } }));
    streams.set(stream, request);
    beat([stream]);
    heartbeat ??= setInterval(() => beat(streams.keys()), HEARTBEAT_INTERVAL_MS);
    recheck ??= setInterval(() => void recheckCredentials(), credentialRecheckMs);
    return stream;
  }

  function close() {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    for (const stream of [...streams.keys()]) stream.close();
  }
  shuttingDown?.addEventListener('abort', close, { once: true });

  return {
    onRequest: answeringAt(
      (path) => path === REVOCATION_FEED_PATH,
      async ({ request, serverContext, endResponse, fetchAPI }) => {
        const json = (status: number, body: object, headers: Record<string, string> = {}) =>
          endResponse(fetchAPI.Response.json(body, { status, headers: { 'cache-control': 'no-store', ...headers } }));
        if (request.method !== 'GET') return json(405, { error: 'invalid_request' }, { allow: 'GET' });
        const address = clientAddress((serverContext as { req?: IncomingMessage } | undefined)?.req);
        const auth = await guard.check(request, address);
        if (!auth.ok) {
          return auth.retryAfterSeconds === undefined
            ? json(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="tessera"' })
            : json(429, { error: 'too_many_requests' }, { 'retry-after': String(auth.retryAfterSeconds) });
        }
        if (!log || closed) return json(503, { error: 'feed_unavailable' });
        const stream = open(request);
        request.signal?.addEventListener('abort', () => stream.close(), { once: true });
        endResponse(
          new fetchAPI.Response(stream.body, {
            headers: {
              'content-type': 'text/event-stream; charset=utf-8',
              'cache-control': 'no-store',
              // A buffering reverse proxy (nginx) would hold events back.
              'x-accel-buffering': 'no',
            },
          }),
        );
      },
    ),
    onDispose: close,
  };
}

const noticeEvent = (notice: FeedNotice) =>
  encodeEvent({ event: 'revocation', id: notice.id, data: { events: notice.events } });
