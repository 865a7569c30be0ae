import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createServiceCredentialService } from '../../server/services/service-credentials.js';
import { registerUser } from '../helpers/accounts.js';
import { openEventStream, type EventStreamReader, type ReadEvent } from '../helpers/sse.js';
import {
  createPeerApp,
  graphqlRequest,
  type GraphQLResponse,
  type RequestOptions,
  type TestApp,
} from '../helpers/test-app.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { decodeClaims } from '../helpers/tokens.js';

const EVENT_ID = /^([0-9a-f]+):(\d+)$/;

/** `registerUser` and friends over real HTTP, against a listening server. */
function overHttp(server: TestServer): TestApp {
  const graphql = async (query: string, options: RequestOptions = {}): Promise<GraphQLResponse> => {
    const response = await fetch(server.graphqlUrl, graphqlRequest(query, options));
    return { status: response.status, headers: response.headers, body: await response.json() };
  };
  return { graphql } as unknown as TestApp;
}

/** A service's `Authorization` header, from a credential made as `tessera service create` makes it. */
async function serviceAuthorization(server: TestServer, name = 'feed-reader'): Promise<Record<string, string>> {
  const { id, secret } = await createServiceCredentialService(server.database.db).create(name);
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

/** Logs a new user out; returns what the feed must carry for it: the token's jti. */
async function loggedOutJti(app: TestApp): Promise<string> {
  const account = await registerUser(app);
  await app.graphql('mutation { logout }', { token: account.accessToken });
  return decodeClaims(account.accessToken).jti;
}

const carries = (event: ReadEvent, jti: string) =>
  (event.data.events as { type: string; jti?: string }[]).some((item) => item.type === 'token' && item.jti === jti);

/** The `revocation` event that carries this token's jti (skipping others). */
async function revocationOf(stream: EventStreamReader, jti: string): Promise<ReadEvent> {
  for (;;) {
    const event = await stream.next('revocation');
    if (carries(event, jti)) return event;
  }
}

describe('the revocation feed (GET /revocations)', () => {
  let server: TestServer;
  let app: TestApp;
  let auth: Record<string, string>;
  const opened: EventStreamReader[] = [];
  const feed = async (headers: Record<string, string> = {}) => {
    const stream = await openEventStream(`${server.url}/revocations`, { ...auth, ...headers });
    opened.push(stream);
    return stream;
  };

  beforeAll(async () => {
    server = await startTestServer();
    app = overHttp(server);
    auth = await serviceAuthorization(server);
  });
  afterEach(() => {
    for (const stream of opened.splice(0)) stream.close();
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a request without valid service credentials, and any method but GET', async () => {
    const url = `${server.url}/revocations`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="tessera"');
    expect(await anonymous.json()).toEqual({ error: 'invalid_client' });

    const [, id] = /^svc_[0-9a-f]+/.exec(Buffer.from(auth.authorization!.slice(6), 'base64').toString()) ?? [];
    const wrongSecret = `Basic ${Buffer.from(`${id}:not-the-secret`).toString('base64')}`;
    expect((await fetch(url, { headers: { authorization: wrongSecret } })).status).toBe(401);

    const revoked = await serviceAuthorization(server, 'revoked-reader');
    await createServiceCredentialService(server.database.db).revoke('revoked-reader');
    expect((await fetch(url, { headers: revoked })).status).toBe(401);

    const post = await fetch(url, { method: 'POST', headers: auth });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('starts with a snapshot of the live state, which holds a logout made before connecting', async () => {
    const jti = await loggedOutJti(app);
    const stream = await feed();
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toBe('no-store');
    const snapshot = await stream.next();
    expect(stream.retry).toBe(1000);
    expect(snapshot.event).toBe('snapshot');
    expect(snapshot.id).toMatch(EVENT_ID);
    expect(snapshot.data.revocations).toContainEqual({ type: 'token', jti, until: expect.any(Number) });
  });

  it('sends a logout made after connecting as a revocation event with a later id', async () => {
    const stream = await feed();
    const snapshot = await stream.next('snapshot');
    const jti = await loggedOutJti(app);
    const event = await revocationOf(stream, jti);
    const [, epoch, seq] = EVENT_ID.exec(event.id!)!;
    const [, snapshotEpoch, snapshotSeq] = EVENT_ID.exec(snapshot.id!)!;
    expect(epoch).toBe(snapshotEpoch);
    expect(Number(seq)).toBeGreaterThan(Number(snapshotSeq));
    // The session ended with it: both are what a verifier must refuse.
    expect(event.data.events).toContainEqual(expect.objectContaining({ type: 'session' }));
  });

  it('resumes after Last-Event-ID with exactly the events missed, and no snapshot', async () => {
    // Stays connected throughout: what it hears is what the reconnecting client missed.
    const watcher = await feed();
    await watcher.next('snapshot');
    const client = await feed();
    await client.next('snapshot');
    const seen = await revocationOf(client, await loggedOutJti(app));
    client.close();

    const second = await loggedOutJti(app);
    const third = await loggedOutJti(app);
    await revocationOf(watcher, second);
    const last = await revocationOf(watcher, third);
    const revocations = watcher.events.filter((event) => event.event === 'revocation');
    const start = revocations.findIndex((event) => event.id === seen.id);
    const missed = revocations.slice(start + 1, revocations.indexOf(last) + 1);

    const resumed = await feed({ 'last-event-id': seen.id! });
    const caughtUp: ReadEvent[] = [];
    while (caughtUp.at(-1)?.id !== last.id) caughtUp.push(await resumed.next('revocation'));
    expect(caughtUp).toEqual(missed);
    expect(missed.some((event) => carries(event, second))).toBe(true);
    expect(resumed.events.some((event) => event.event === 'snapshot')).toBe(false);
  });

  it('answers an id it cannot resume from (another epoch, never issued, malformed) with a new snapshot', async () => {
    const first = await feed();
    const { id } = await first.next('snapshot');
    const [, epoch] = EVENT_ID.exec(id!)!;
    const otherEpoch = epoch === 'abcdef' ? '123456' : 'abcdef';
    for (const lastEventId of [`${otherEpoch}:1`, `${epoch}:999999999`, 'not an id']) {
      const stream = await feed({ 'last-event-id': lastEventId });
      expect((await stream.next()).event).toBe('snapshot');
    }
  });

  it('sends heartbeats while its revocation state is trusted', async () => {
    expect(server.revocations.status()).toBe('memory');
    const stream = await feed();
    for (let beat = 0; beat < 2; beat++) {
      const heartbeat = await stream.next('heartbeat');
      expect(heartbeat.id).toBeUndefined();
      expect(heartbeat.data).toEqual({ at: expect.any(Number) });
    }
  });

  it('carries a revocation committed by another process on the same database', async () => {
    const stream = await feed();
    await stream.next('snapshot');
    const peer = await createPeerApp(server.database);
    try {
      const jti = await loggedOutJti(peer);
      expect(carries(await revocationOf(stream, jti), jti)).toBe(true);
    } finally {
      await peer.close();
    }
  });
});

describe('the revocation feed beside other settings', () => {
  it('answers 503 with REVOCATION_CHECK=database: there is no state to send', async () => {
    const server = await startTestServer({ REVOCATION_CHECK: 'database' });
    try {
      const response = await fetch(`${server.url}/revocations`, { headers: await serviceAuthorization(server) });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: 'feed_unavailable' });
    } finally {
      await server.close();
    }
  });

  it('ends open streams when the server shuts down, instead of holding the shutdown', async () => {
    // A drain that waited for the stream would outlast the test's timeout.
    const server = await startTestServer({ SHUTDOWN_TIMEOUT: '10m' });
    const stream = await openEventStream(`${server.url}/revocations`, await serviceAuthorization(server));
    await stream.next('snapshot');
    await server.close();
    await stream.ended;
    await expect(stream.next('revocation')).rejects.toThrow(/ended/);
  });
});
