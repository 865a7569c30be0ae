import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../../server/config.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** The answer's status, or `closed` when the connection ended without one; and how long it took. */
interface Outcome {
  status: number | 'closed';
  ms: number;
}

const TYPENAME = JSON.stringify({ query: '{ __typename }' });

/** A request of our own over a fresh connection (no keep-alive pool), from `localAddress`, timed. */
function post(server: TestServer, body: string, localAddress = '127.0.0.1'): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      server.graphqlUrl,
      { method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 'closed', ms: performance.now() - started }));
    req.end(body);
  });
}

/** `size` bytes of a JSON request whose `variables` is one object of many keys, as the attack sent. */
function manyKeysBody(size: number): string {
  const head = '{"query":"query { __typename }","variables":{';
  const keys: string[] = [];
  let length = head.length + 2;
  for (let i = 0; length < size; i++) {
    const entry = `"k${i}":${i}`;
    keys.push(entry);
    length += entry.length + 1;
  }
  return `${head}${keys.join(',')}}}`;
}

/** A POST to /graphql whose body the test writes itself: with a Content-Length of `size`, or chunked. */
function startUpload(server: TestServer, framing: 'content-length' | 'chunked', size = 0) {
  const req = request(server.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(framing === 'content-length' ? { 'content-length': size } : {}),
    },
  });
  const answer = new Promise<number | 'closed'>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', () => resolve('closed'));
  });
  return { req, answer };
}

/** Resolves with what `answer` comes to, or `'none'` if nothing within `ms`. */
const within = <T>(answer: Promise<T>, ms: number) => Promise.race([answer, sleep(ms).then(() => 'none' as const)]);

/** A socket that sends the start of a request and then nothing more: a half-open request, as a slow client holds. */
function halfOpen(server: TestServer, localAddress = '127.0.0.1'): Promise<Socket & { closedAt?: number }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket: Socket & { closedAt?: number } = connect({ host: hostname, port: Number(port), localAddress }, () => {
      socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n');
      resolve(socket);
    });
    socket.once('error', reject); // before it connects; after, a reset is seen as `closedAt`
    socket.on('error', () => {});
    socket.on('close', () => (socket.closedAt = performance.now()));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (condition: () => boolean, ms: number) => {
  const deadline = performance.now() + ms;
  while (!condition() && performance.now() < deadline) await sleep(10);
  return condition();
};

describe('request bodies', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(); // MAX_BODY_BYTES at its default, 100 KB
  });
  afterAll(() => server?.close());

  it('5 MB body: refused with 413, and a concurrent request is not held up', async () => {
    const body = manyKeysBody(5 * 1024 * 1024);
    expect((await post(server, TYPENAME)).status).toBe(200); // the server's first request is not the one timed
    const started = performance.now();
    // The whole body is sent, as the attack sent it (the server reads the rest and throws it away, unparsed).
    const upload = fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    let answeredAfter: number | undefined;
    void upload.then(() => (answeredAfter = performance.now() - started));
    const latencies: number[] = [];
    do {
      const concurrent = await post(server, TYPENAME);
      expect(concurrent.status).toBe(200);
      latencies.push(concurrent.ms);
    } while (answeredAfter === undefined);
    const response = await upload;
    expect(response.status).toBe(413);
    const slowest = Math.max(...latencies);
    console.info(
      `5 MB body: 413 after ${answeredAfter.toFixed(1)} ms; ${latencies.length} concurrent requests meanwhile, ` +
        `slowest ${slowest.toFixed(1)} ms`,
    );
    expect(slowest).toBeLessThan(1_000); // generous: the attack cost seconds per request
  });

  it('a Content-Length over MAX_BODY_BYTES is refused with 413 before a byte of the body is sent', async () => {
    const upload = startUpload(server, 'content-length', 5 * 1024 * 1024);
    upload.req.flushHeaders();
    expect(await within(upload.answer, 2_000)).toBe(413);
    upload.req.destroy();
  });

  it('chunked body over MAX_BODY_BYTES is cut with 413', async () => {
    const upload = startUpload(server, 'chunked');
    // 1 MB of a 5 MB body, then a pause: the answer must come without the rest.
    upload.req.write(manyKeysBody(5 * 1024 * 1024).slice(0, 1024 * 1024));
    expect(await within(upload.answer, 2_000)).toBe(413);
    upload.req.destroy();
    expect((await post(server, TYPENAME)).status).toBe(200);
  });

  it('the 413 says why, in the shape of every other refusal', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: manyKeysBody(200 * 1024),
    });
    expect(response.status).toBe(413);
    const answer = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(answer.errors[0]!.message).toMatch(/too large/i);
    expect(answer.errors[0]!.extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('body smuggling: bytes past the Content-Length are never read as the body, so the limit can trust it', async () => {
    // The limit checks a declared length and counts only bodies without one: it relies on Node's parser handing on
    // exactly Content-Length bytes. Declared here: the start of a JSON request; sent after it: 200 KB that would
    // complete it. Read as one body, that would be a valid request past the limit, and answered 200 if uncounted.
    const whole = manyKeysBody(200 * 1024);
    const declared = '{"query":"query { __typename }","variables":{';
    const { hostname, port } = new URL(server.url);
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${declared.length}\r\n\r\n${whole}`,
    );
    expect(await within(closed, 5_000)).not.toBe('none');
    // The declared bytes are a broken JSON body (400); what follows them is a malformed next request, which Node
    // refuses (400) before closing. Never the two read together.
    expect(received).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(received).not.toMatch(/HTTP\/1\.1 (200|413)/);
  });

  it('a body just under the limit is still served', async () => {
    const response = await post(
      server,
      JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(90 * 1024) } }),
    );
    expect(response.status).toBe(200);
  });
});

describe('slow clients', () => {
  const sockets: Socket[] = [];
  /** Lets the test's own sockets go first: the server's shutdown would wait for their half-open requests. */
  const stop = async (server: TestServer) => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await server.close();
  };

  it('slow clients: one address holding many half-open connections does not keep others out', async () => {
    const server = await startTestServer({ MAX_CONNECTIONS_PER_ADDRESS: '8' });
    try {
      const held = await Promise.all(Array.from({ length: 8 + 4 }, () => halfOpen(server)));
      sockets.push(...held);
      // The four past the cap are closed at once; the eight within it stay open.
      expect(await until(() => held.filter((socket) => socket.closedAt).length >= 4, 2_000)).toBe(true);
      await sleep(200);
      expect(held.filter((socket) => socket.closedAt)).toHaveLength(4);

      // Another address is answered at once; the crowding one gets nothing more.
      const other = await post(server, TYPENAME, '127.0.0.2');
      expect(other.status).toBe(200);
      expect((await post(server, TYPENAME, '127.0.0.1')).status).toBe('closed');

      // Once one of its connections closes, the address may open another.
      held.find((socket) => !socket.closedAt)!.destroy();
      await sleep(100);
      expect((await post(server, TYPENAME, '127.0.0.1')).status).toBe(200);
    } finally {
      await stop(server);
    }
  });

  it('a trusted proxy is not capped: its connections carry every client', async () => {
    const server = await startTestServer({ MAX_CONNECTIONS_PER_ADDRESS: '2', TRUSTED_PROXY: 'loopback' });
    try {
      const held = await Promise.all(Array.from({ length: 6 }, () => halfOpen(server)));
      sockets.push(...held);
      await sleep(200);
      expect(held.filter((socket) => socket.closedAt)).toHaveLength(0);
      expect((await post(server, TYPENAME)).status).toBe(200);
    } finally {
      await stop(server);
    }
  });

  it('a half-open request is dropped after headersTimeout', async () => {
    const server = await startTestServer({ HEADERS_TIMEOUT: '500ms', REQUEST_TIMEOUT: '1s' });
    try {
      const started = performance.now();
      const socket = await halfOpen(server);
      sockets.push(socket);
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk));
      expect(await until(() => socket.closedAt !== undefined, 5_000)).toBe(true);
      const lived = socket.closedAt! - started;
      console.info(`half-open request with HEADERS_TIMEOUT=500ms: cut after ${lived.toFixed(0)} ms`);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(lived).toBeGreaterThanOrEqual(450);
      expect(lived).toBeLessThan(2_000);
    } finally {
      await stop(server);
    }
  });

  it('a request whose body trickles in is dropped after requestTimeout', async () => {
    const server = await startTestServer({ HEADERS_TIMEOUT: '500ms', REQUEST_TIMEOUT: '1s' });
    try {
      const { hostname, port } = new URL(server.url);
      const socket: Socket & { closedAt?: number } = connect({ host: hostname, port: Number(port) });
      sockets.push(socket);
      socket.on('error', () => {});
      socket.on('close', () => (socket.closedAt = performance.now()));
      const started = performance.now();
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
      );
      // One byte every 100 ms: each arrives long before any idle timeout, the whole body never does.
      const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
      try {
        expect(await until(() => socket.closedAt !== undefined, 5_000)).toBe(true);
      } finally {
        clearInterval(trickle);
      }
      const lived = socket.closedAt! - started;
      console.info(`trickled body with REQUEST_TIMEOUT=1s: cut after ${lived.toFixed(0)} ms`);
      expect(lived).toBeLessThan(3_000);
    } finally {
      await stop(server);
    }
  });

  it('HEADERS_TIMEOUT longer than REQUEST_TIMEOUT is refused at start', () => {
    expect(() => loadConfig({ HEADERS_TIMEOUT: '30s', REQUEST_TIMEOUT: '10s' })).toThrow(ConfigError);
  });
});
