import type { AuthPayloadFieldsFragment } from './gql/graphql.js';
import type { ServerClock } from './server-clock.js';
import type { StoredSession } from './token-storage.js';

/** The session to keep from an `AuthPayload` received just now. */
export function toStoredSession(payload: AuthPayloadFieldsFragment, clock: ServerClock): StoredSession {
  return {
    accessToken: payload.accessToken,
    accessTokenExpiresAt: payload.accessTokenExpiresAt,
    refreshToken: payload.refreshToken,
    refreshTokenExpiresAt: payload.refreshTokenExpiresAt,
    receivedAt: clock.now(),
    user: payload.user,
  };
}
