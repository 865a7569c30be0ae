import { createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';

import type { RevocationEvent } from '../../server/auth/revocation-events.js';
import { RevocationState } from '../../server/auth/revocation-state.js';
import { openEventStream } from '../../server/http/event-stream.js';
import { useRevocationFeed } from '../../server/http/revocation-feed.js';
import { RevocationFeedLog } from '../../server/http/revocation-feed-log.js';
import { openEventStream as readEventStream } from '../helpers/sse.js';

// The revocation feed's parts without a server: the numbering and its bounded past, the stream that cuts a reader
// too slow to keep up, the snapshot a newcomer starts from, and the plugin alone with a credential that changes.
const token = (jti: string): RevocationEvent => ({ type: 'token', jti, until: 2_000 });

describe('RevocationFeedLog', () => {
  it('resumes from any id it still holds the successors of, and from no other', () => {
    const log = new RevocationFeedLog(2);
    const id = (seq: number) => `${log.epoch}:${seq}`;
    expect(log.lastId).toBe(id(0));
    expect(log.since(id(0))).toEqual([]);
    for (const jti of ['a', 'b', 'c']) log.append([token(jti)]);
    expect(log.lastId).toBe(id(3));

    expect(log.since(id(1))!.map((notice) => notice.id)).toEqual([id(2), id(3)]);
    expect(log.since(id(3))).toEqual([]);
    // Notice 1 has left the ring: resuming after 0 would skip it.
    expect(log.since(id(0))).toBeUndefined();
    expect(log.since(id(4))).toBeUndefined();
    expect(log.since(`${log.epoch === 'abc' ? 'def' : 'abc'}:2`)).toBeUndefined();
    expect(log.since('2')).toBeUndefined();
    expect(log.since(`${log.epoch}:-1`)).toBeUndefined();
  });

  it('draws a new epoch for every log: ids from before a restart never match', () => {
    expect(new RevocationFeedLog().epoch).not.toBe(new RevocationFeedLog().epoch);
  });
});

describe('openEventStream', () => {
  it('starts with retry, and cuts a reader that falls too far behind', async () => {
    let closed = 0;
    const stream = openEventStream(ReadableStream, { retryMs: 1000, maxQueued: 3, onClose: () => closed++ });
    for (let i = 0; i < 5; i++) stream.write(new TextEncoder().encode(`data: ${i}\n\n`));
    expect(closed).toBe(1);
    stream.close();
    expect(closed).toBe(1);
    const text = await new Response(stream.body).text();
    expect(text.startsWith('retry: 1000\n\n')).toBe(true);
    expect(text).not.toContain('data: 4');
  });

  it('tells its owner when the client goes away', async () => {
    let closed = 0;
    const stream = openEventStream(ReadableStream, { retryMs: 1000, maxQueued: 10, onClose: () => closed++ });
    await stream.body.cancel();
    expect(closed).toBe(1);
    stream.write(new Uint8Array([1]));
  });
});

describe('RevocationState.snapshot', () => {
  it('holds every live entry as the event that recreates it', () => {
    const state = new RevocationState();
    const events: RevocationEvent[] = [
      token('t1'),
      { type: 'token', jti: 'gone', until: 500 },
      { type: 'session', sessionId: 's1', until: 2_000 },
      { type: 'user', userId: 'u1', version: 3 },
      { type: 'user', userId: 'u1', version: 2 },
      { type: 'user-deleted', userId: 'u2', until: 2_000 },
    ];
    for (const event of events) state.apply(event);
    state.sweep(1_000);
    expect(state.snapshot()).toEqual([
      token('t1'),
      { type: 'session', sessionId: 's1', until: 2_000 },
      { type: 'user', userId: 'u1', version: 3 },
      { type: 'user-deleted', userId: 'u2', until: 2_000 },
    ]);
    expect(state.apply(token('t1'))).toBe(false);
    expect(state.apply({ type: 'token', jti: 't1', until: 3_000 })).toBe(true);
    expect(state.apply({ type: 'user', userId: 'u1', version: 3 })).toBe(false);
    expect(state.apply({ type: 'signing-keys' })).toBe(false);
    const copy = new RevocationState();
    for (const event of state.snapshot()) copy.apply(event);
    expect(copy.snapshot()).toEqual(state.snapshot());
  });
});

describe('useRevocationFeed', () => {
  /** The plugin alone, with a credential check the test controls. */
  function feedApp(check: (name: string) => { ok: true } | { ok: false; retryAfterSeconds?: number }) {
    const yoga = createYoga({
      plugins: [
        useRevocationFeed({
          revocations: { status: () => 'memory', state: new RevocationState(), subscribe: () => () => {} },
          guard: {
            check: async (request) => {
              const result = check(request.headers.get('authorization') ?? '');
              return result.ok ? { ok: true, service: { id: 'svc_0', name: 'test' } } : result;
            },
          },
          clientAddress: () => '192.0.2.1',
          credentialRecheckMs: 20,
        }),
      ],
    });
    const open = (name: string) =>
      readEventStream('http://localhost/revocations', { authorization: name }, (url, init) => yoga.fetch(url, init));
    return { yoga, open };
  }

  it('cuts an open stream once its credential is refused, and leaves other streams alone', async () => {
    const allowed = new Set(['a', 'b']);
    const { yoga, open } = feedApp((name) => (allowed.has(name) ? { ok: true } : { ok: false }));
    const [a, b] = [await open('a'), await open('b')];
    await a.next('snapshot');
    await b.next('snapshot');
    allowed.delete('a');
    await a.ended;
    // The first heartbeat came with the snapshot; the next, a second later, after many more checks of b.
    await b.next('heartbeat');
    await b.next('heartbeat');
    b.close();
    await yoga.dispose();
  });

  it('answers 429 with Retry-After to an address over its limit of failed credentials', async () => {
    const { yoga, open } = feedApp(() => ({ ok: false, retryAfterSeconds: 42 }));
    const refused = await open('guess');
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toBe('42');
    expect(await refused.response.json()).toEqual({ error: 'too_many_requests' });
    await yoga.dispose();
  });
});
