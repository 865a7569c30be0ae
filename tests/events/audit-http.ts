import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { randomUUID } from 'node:crypto';

import type { RecordedAuthEvent } from '../../server/events/auth-event.js';
import { insertAuthEvents } from '../../server/db/auth-event.repository.js';
import type { TestApp } from '../helpers/test-app.js';

/** Where a request comes from: the address a trusted proxy names (X-Forwarded-For) and the browser's user agent. */
export interface Client {
  readonly ip: string;
  readonly userAgent: string;
}

export interface ListeningApp {
  /** The server's origin, e.g. for `/dev/outbox`. */
  readonly url: string;
  /** The app as seen from this client: the same helpers, over a real socket with its address and user agent. */
  as(client: Client): TestApp;
  close(): Promise<void>;
}

/**
 * Serves the app on a real socket. `yoga.fetch` has no socket, so no client address; here the peer is 127.0.0.1,
 * a trusted proxy when the app has TRUSTED_PROXY=loopback, and X-Forwarded-For names the client.
 */
export async function listen(app: TestApp): Promise<ListeningApp> {
  const server = createServer((req, res) => void app.yoga(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    as: (client) => ({
      ...app,
      async graphql(query, options = {}) {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-forwarded-for': client.ip,
            'user-agent': client.userAgent,
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...options.headers,
          },
          body: JSON.stringify({ query, variables: options.variables }),
        });
        return { status: response.status, headers: response.headers, body: (await response.json()) as any };
      },
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Every field of an event, as the queries below select it. */
export const EVENT_FIELDS = /* GraphQL */ `
  fragment EventFields on AuthEvent {
    id
    type
    occurredAt
    userId
    sessionId
    ip
    userAgent
    detail
  }
`;

export const AUTH_EVENTS = /* GraphQL */ `
  query AuthEvents($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $types: [AuthEventType!]) {
    authEvents(first: $first, after: $after, last: $last, before: $before, userId: $userId, types: $types) {
      edges {
        cursor
        node {
          ...EventFields
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
  ${EVENT_FIELDS}
`;

export const MY_AUTH_EVENTS = /* GraphQL */ `
  query MyAuthEvents($first: Int, $after: String, $last: Int, $before: String) {
    myAuthEvents(first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          ...EventFields
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
  ${EVENT_FIELDS}
`;

export interface EventNode {
  id: string;
  type: string;
  occurredAt: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

export interface EventPage {
  events: EventNode[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string;
  endCursor: string;
}

/** One page of `authEvents` (or `myAuthEvents`); throws on any error. */
export async function eventPage(
  app: TestApp,
  token: string,
  variables: Record<string, unknown>,
  query: 'authEvents' | 'myAuthEvents' = 'authEvents',
): Promise<EventPage> {
  const { body } = await app.graphql(query === 'authEvents' ? AUTH_EVENTS : MY_AUTH_EVENTS, { token, variables });
  if (!body.data || body.errors) throw new Error(JSON.stringify(body));
  const { edges, pageInfo } = body.data[query];
  return {
    events: edges.map((edge: any) => edge.node),
    cursors: edges.map((edge: any) => edge.cursor),
    ...pageInfo,
  };
}

/** Every event a query lists, read a page of `pageSize` at a time (forwards). */
export async function allEvents(
  app: TestApp,
  token: string,
  variables: Record<string, unknown> = {},
  query: 'authEvents' | 'myAuthEvents' = 'authEvents',
  pageSize = 100,
): Promise<EventNode[]> {
  const events: EventNode[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await eventPage(app, token, { ...variables, first: pageSize, after }, query);
    events.push(...page.events);
    if (!page.hasNextPage) return events;
    after = page.endCursor;
  }
}

/** Newest first: by time, then by id (as the trail orders events of the same millisecond). */
export function isNewestFirst(events: readonly EventNode[]): boolean {
  return events.every((event, i) => {
    const previous = events[i - 1];
    if (!previous) return true;
    const [a, b] = [Date.parse(previous.occurredAt), Date.parse(event.occurredAt)];
    return a > b || (a === b && previous.id > event.id);
  });
}

/** Writes events straight into the trail (as the event log would), for pages larger than a test's traffic. */
export async function insertEvents(
  app: TestApp,
  events: readonly (Partial<RecordedAuthEvent> & Pick<RecordedAuthEvent, 'type' | 'occurredAt'>)[],
): Promise<RecordedAuthEvent[]> {
  const recorded = events.map((event) => ({ id: randomUUID(), ...event }));
  await insertAuthEvents(app.database.db, recorded);
  return recorded;
}
