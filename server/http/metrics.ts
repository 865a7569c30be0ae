import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Plugin } from 'graphql-yoga';

import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { answeringAt } from './answering-at.js';

export const METRICS_PATH = '/metrics';

/** Where the numbers come from: this process's registries, or the whole cluster's. */
export interface MetricsSource {
  scrape(): Promise<string>;
  readonly contentType: string;
}

interface MetricsAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Who may read `GET /metrics` on the main port: with METRICS_TOKEN, whoever presents it (Bearer); without one,
 * anyone outside production, and no one in production (404, as for any unknown path: metrics are then served only on
 * METRICS_PORT, when it is set).
 */
export function metricsOnMainPort(config: Pick<Config, 'metricsToken' | 'nodeEnv'>): boolean {
  return config.metricsToken !== undefined || config.nodeEnv !== 'production';
}

/** `GET /metrics` on the main port (see `metricsOnMainPort`); a POST or any other method gets 405. */
export function useMetricsEndpoint(
  config: Pick<Config, 'metricsToken'>,
  source: MetricsSource,
  logger: Logger,
): Plugin {
  const allowed = tokenGuard(config.metricsToken);
  return {
    onRequest: answeringAt(
      (path) => path === METRICS_PATH,
      async ({ request, endResponse, fetchAPI }) => {
        const answer = await answerMetrics(
          request.method,
          request.headers.get('authorization'),
          allowed,
          source,
          logger,
        );
        endResponse(new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers }));
      },
    ),
  };
}

/**
 * METRICS_PORT: a plain HTTP listener that serves `GET /metrics` only (404 for anything else), for a network the
 * public does not reach. METRICS_TOKEN, when set, guards it too.
 */
export async function listenForMetrics(
  options: { host: string; port: number; token: string | undefined },
  source: MetricsSource,
  logger: Logger,
): Promise<{ url: string; close(): Promise<void> }> {
  const allowed = tokenGuard(options.token);
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const answering: Promise<MetricsAnswer> =
      path === METRICS_PATH
        ? answerMetrics(req.method ?? 'GET', req.headers.authorization ?? null, allowed, source, logger)
        : Promise.resolve({
            status: 404,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
            body: 'Not found\n',
          });
    void answering.then((answer) => {
      res.writeHead(answer.status, answer.headers);
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // Said plainly at start (`describeStartupError`), naming METRICS_PORT rather than PORT.
      if (error.code === 'EADDRINUSE') {
        reject(
          new ConfigError(
            `Cannot listen on ${options.host}:${options.port} for metrics: another process uses that port. ` +
              'Set METRICS_PORT to a free one.',
          ),
        );
      } else reject(error);
    });
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}${METRICS_PATH}`;
  logger.info({ url }, 'Serving metrics');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answerMetrics(
  method: string,
  authorization: string | null,
  allowed: (authorization: string | null) => boolean,
  source: MetricsSource,
  logger: Logger,
): Promise<MetricsAnswer> {
  const plain = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, headers: { ...plain, allow: 'GET, HEAD' }, body: 'Method not allowed\n' };
  }
  if (!allowed(authorization)) {
    return {
      status: 401,
      headers: { ...plain, 'www-authenticate': 'Bearer realm="metrics"' },
      body: 'Unauthorized\n',
    };
  }
  try {
    const body = await source.scrape();
    return { status: 200, headers: { 'content-type': source.contentType, 'cache-control': 'no-store' }, body };
  } catch (error) {
    logger.error({ err: error }, 'Metrics could not be gathered');
    return { status: 503, headers: plain, body: 'Metrics are unavailable\n' };
  }
}

/** Whether an `Authorization` header carries the token (compared in constant time); no token: everyone may. */
function tokenGuard(token: string | undefined): (authorization: string | null) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
