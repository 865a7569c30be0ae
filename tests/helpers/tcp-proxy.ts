import { connect, createServer, type Socket } from 'node:net';

/** One client connection through the proxy, told apart by what its Postgres startup message says. */
interface ProxiedConnection {
  readonly client: Socket;
  readonly upstream: Socket;
  /** The first bytes the client sent: for Postgres, the startup message with `application_name` in clear. */
  startup: string;
  /** Bytes are dropped both ways, and nothing closes: what a NAT or firewall that forgot the connection does. */
  blackholed: boolean;
  /** Extra delay on what the server sends this client, in milliseconds. */
  delayToClientMs: number;
}

/**
 * A TCP proxy to Postgres that can make one connection go silent, or slow, without closing it. Real bytes, real
 * sockets: the faults a network brings, which a terminated backend (FIN, RST) does not imitate.
 */
export interface TcpProxy {
  /** The same connection string, through the proxy. */
  readonly url: string;
  /** Drops every byte, both ways, of the open connections whose startup message contains `marker`. */
  blackhole(marker: string): number;
  /** Delays what the server sends to the open connections whose startup message contains `marker`. */
  delayToClient(marker: string, ms: number): number;
  /** Refuses new connections and cuts the open ones, as a database that went away. */
  cutAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(databaseUrl: string): Promise<TcpProxy> {
  const target = new URL(databaseUrl);
  const connections = new Set<ProxiedConnection>();
  let refusing = false;

  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const connection: ProxiedConnection = { client, upstream, startup: '', blackholed: false, delayToClientMs: 0 };
    connections.add(connection);
    client.on('data', (chunk) => {
      if (connection.startup === '') connection.startup = chunk.toString('latin1');
      if (!connection.blackholed) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (connection.blackholed) return;
      if (connection.delayToClientMs === 0) client.write(chunk);
      else
        setTimeout(() => connection.blackholed || client.destroyed || client.write(chunk), connection.delayToClientMs);
    });
    const end = () => {
      connections.delete(connection);
      client.destroy();
      upstream.destroy();
    };
    // A black-holed connection hears nothing of the other side's end, either.
    client.on('close', () => connection.blackholed || end());
    upstream.on('close', () => connection.blackholed || end());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  const matching = (marker: string) => [...connections].filter((connection) => connection.startup.includes(marker));
  const proxy: TcpProxy = {
    url: url.toString(),
    blackhole(marker) {
      const found = matching(marker);
      for (const connection of found) connection.blackholed = true;
      return found.length;
    },
    delayToClient(marker, ms) {
      const found = matching(marker);
      for (const connection of found) connection.delayToClientMs = ms;
      return found.length;
    },
    cutAll() {
      refusing = true;
      for (const connection of connections) {
        connection.client.destroy();
        connection.upstream.destroy();
      }
      connections.clear();
    },
    async close() {
      proxy.cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
