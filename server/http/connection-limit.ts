import type { Server, Socket } from 'node:net';

import proxyAddr from 'proxy-addr';

import type { Logger } from '../logger.js';
import { addressKey } from '../security/address-key.js';

export interface ConnectionLimit {
  /** Connections one address (IPv6: one network of `ipv6PrefixLength` bits) may hold open at once. */
  readonly maxPerAddress: number;
  readonly ipv6PrefixLength: number;
  /** TRUSTED_PROXY: sockets from these peers are not counted. */
  readonly trustedProxies: string[];
}

/**
 * Caps the connections one client address holds open at once. A connection past the cap is destroyed as soon as it
 * is accepted, before a byte of it is read: an address that opens thousands of half-open requests keeps only its
 * share of file descriptors, and every other address is still answered. Clients behind one NAT share an address:
 * a browser opens up to six connections to a site and keeps them a moment (KEEP_ALIVE_TIMEOUT), so a site whose
 * users sit behind one office or carrier NAT raises MAX_CONNECTIONS_PER_ADDRESS, or puts a proxy in front.
 *
 * Trusted proxies are exempt. Behind one (TRUSTED_PROXY), the socket's peer is the proxy, carrying the connections of
 * every client at once; the client's own address is known only from `X-Forwarded-For`, once a request's headers have
 * arrived, which is too late to refuse the connection. Capping the proxy would shut everyone out together, so its
 * sockets are not counted: the proxy must cap connections per client itself (nginx `limit_conn`), and
 * MAX_CONNECTIONS still bounds the total. The count is per process (each cluster worker keeps its own).
 *
 * The first refusal for an address is logged once, until all of its connections have closed.
 */
export function limitConnectionsPerAddress(server: Server, limit: ConnectionLimit, logger: Logger): void {
  const trusted = proxyAddr.compile(limit.trustedProxies);
  const open = new Map<string, number>();
  const refused = new Set<string>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    // No address: the peer is already gone. A trusted proxy: see above.
    if (address === undefined || trusted(address, 0)) return;
    const key = addressKey(address, limit.ipv6PrefixLength);
    const count = open.get(key) ?? 0;
    if (count >= limit.maxPerAddress) {
      socket.destroy();
      if (!refused.has(key)) {
        refused.add(key);
        logger.warn(
          { address: key, maxConnectionsPerAddress: limit.maxPerAddress },
          'Too many connections from one address; closing its new ones',
        );
      }
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = open.get(key)! - 1;
      if (left > 0) return void open.set(key, left);
      open.delete(key);
      refused.delete(key);
    });
  });
}
