import type { Plugin } from 'graphql-yoga';

type OnRequest = NonNullable<Plugin['onRequest']>;
type RequestPayload = Parameters<OnRequest>[0];

/**
 * An `onRequest` hook that answers the paths `matches` picks and lets every other request (every GraphQL one) pass
 * without a promise: Yoga waits for each hook that returns one, so an `async` hook costs every request a turn of
 * the microtask queue, plugin after plugin.
 */
export function answeringAt(
  matches: (pathname: string) => boolean,
  answer: (payload: RequestPayload) => Promise<void> | void,
): OnRequest {
  return (payload) => (matches(payload.url.pathname) ? answer(payload) : undefined);
}
