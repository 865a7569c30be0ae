import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * On shutdown, connections the kernel has already accepted are still taken for up to this long, until none has come
 * for `BACKLOG_QUIET_MS`: closing the listening socket at once would reset them.
 */
const BACKLOG_DRAIN_MAX_MS = 250;
const BACKLOG_QUIET_MS = 25;
/** A kept-alive connection idle between requests is closed this long after shutdown begins, if still idle. */
const KEPT_ALIVE_GRACE_MS = 200;
/** A connection that has not sent a request yet (a browser's preconnect, a slow client) gets longer. */
const FRESH_CONNECTION_GRACE_MS = 1_000;

export interface GracefulShutdown {
  /** Called first for every request. */
  track(req: IncomingMessage, res: ServerResponse): void;
  /** Stops taking connections, finishes what was taken, and resolves once every connection is closed. */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Shutting down an HTTP server without cutting a request: Node's own `close()` resets connections still in the
 * accept queue and, with `closeIdleConnections()`, any connection whose request has not arrived yet. Here instead:
 * the accept queue is drained first; every response from then on says `Connection: close`, so busy keep-alive
 * clients move on after their answer; idle kept-alive connections are closed after a moment (a request may be on
 * its way), new ones that never send a request after a longer one; and what runs past the timeout is cut.
 */
export function gracefulShutdown(server: Server): GracefulShutdown {
  let stopping = false;
  const connections = new Map<Socket, { active: number; served: number }>();
  const unanswered = new Set<ServerResponse>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { active: 0, served: 0 });
    socket.once('close', () => connections.delete(socket));
  });

  const closeIdle = (servedBefore: boolean) => {
    for (const [socket, state] of connections) {
      if (state.active === 0 && (state.served > 0 || !servedBefore)) socket.destroy();
    }
  };

  return {
    track(req, res) {
      if (stopping) res.setHeader('connection', 'close');
      else unanswered.add(res);
      const state = connections.get(req.socket);
      if (state) state.active++;
      res.once('close', () => {
        unanswered.delete(res);
        if (!state) return;
        state.active--;
        state.served++;
      });
    },

    async stop(timeoutMs) {
      stopping = true;
      for (const res of unanswered) if (!res.headersSent) res.setHeader('connection', 'close');
      await drainBacklog(server);
      // Stop listening without http.Server#close, which would also call closeIdleConnections() (see above).
      const stopped = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const timers = [
        setTimeout(() => closeIdle(true), KEPT_ALIVE_GRACE_MS),
        setTimeout(() => closeIdle(false), FRESH_CONNECTION_GRACE_MS),
        setTimeout(() => server.closeAllConnections(), timeoutMs),
      ];
      await stopped;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

/**
 * Resolves once no new connection has arrived for a moment (or after a bound), so the accept queue is empty. A timer
 * that fires is only believed after the event loop's next poll for I/O (`setImmediate`): a loop kept busy by
 * requests runs its timers before it reads the listening socket again, so "quiet" could just mean "not looked".
 */
function drainBacklog(server: Server): Promise<void> {
  return new Promise((resolve) => {
    let arrived = 0;
    let quiet: NodeJS.Timeout | undefined;
    const onConnection = () => {
      arrived++;
      wait();
    };
    const done = () => {
      clearTimeout(quiet);
      clearTimeout(bound);
      server.off('connection', onConnection);
      resolve();
    };
    const wait = () => {
      clearTimeout(quiet);
      const seen = arrived;
      quiet = setTimeout(() => setImmediate(() => (arrived === seen ? done() : wait())), BACKLOG_QUIET_MS);
    };
    const bound = setTimeout(() => setImmediate(done), BACKLOG_DRAIN_MAX_MS);
    server.on('connection', onConnection);
    wait();
  });
}
