import type { IncomingMessage } from 'node:http';

import proxyAddr from 'proxy-addr';

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy (TRUSTED_PROXY), whose
 * `X-Forwarded-For` is then believed — as far back as the chain stays trusted, and no further. Anyone can send
 * `X-Forwarded-For`; without a trusted proxy it is ignored.
 */
export function clientAddressResolver(trustedProxies: string[]) {
  const trust = proxyAddr.compile(trustedProxies);
  return (req: IncomingMessage | undefined): string | null => {
    if (!req?.socket?.remoteAddress) return null;
    return trustedProxies.length === 0 ? req.socket.remoteAddress : proxyAddr(req, trust);
  };
}
