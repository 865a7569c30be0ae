import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An HTTP proxy in front of Tessera that can close one path (the revocation feed, introspection) while the others
 * pass: the feed cut the way a load balancer or a network partition cuts it, with real sockets. Requests keep their
 * Host header, so Tessera's discovery document names the gate's URLs and the verifier goes through it for all.
 */
export interface HttpGate {
  readonly url: string;
  /** Refuses requests under `path` with 502, and cuts the open ones (a streaming feed included). */
  close(path: string): void;
  open(path: string): void;
  /** Sends everything to another upstream from now on (a restarted Tessera on a new port). */
  retarget(upstream: string): void;
  stop(): Promise<void>;
}

export async function startHttpGate(upstream: string): Promise<HttpGate> {
  let target = new URL(upstream);
  const closed = new Set<string>();
  const open = new Map<string, Set<Socket>>();
  const blocked = (path: string) => [...closed].some((prefix) => path.startsWith(prefix));

  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const path = incoming.url ?? '/';
    if (blocked(path)) {
      outgoing.writeHead(502).end();
      return;
    }
    const sockets = open.get(path) ?? new Set<Socket>();
    open.set(path, sockets);
    sockets.add(incoming.socket);
    outgoing.once('close', () => sockets.delete(incoming.socket));
    const forwarded = request(
      { host: target.hostname, port: target.port, method: incoming.method, path, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    outgoing.on('close', () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    close(path) {
      closed.add(path);
      for (const [openPath, sockets] of open) {
        if (openPath.startsWith(path)) for (const socket of sockets) socket.destroy();
      }
    },
    open(path) {
      closed.delete(path);
    },
    retarget(next) {
      target = new URL(next);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
