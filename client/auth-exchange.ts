import { mapExchange, type CombinedError, type Exchange, type Operation } from '@urql/core';
import { authExchange, type AuthUtilities } from '@urql/exchange-auth';

import type { AuthSession } from './auth-session.js';
import { toStoredSession } from './stored-session.js';
import type { ServerClock } from './server-clock.js';
import { RefreshTokenDocument } from './documents.js';

/** Operation context flag: send without `Authorization` (the refresh mutation, which must not carry a stale token). */
export const SKIP_AUTH = 'tesseraSkipAuth';
/** Operation context key: the access token the operation was sent with. */
const SENT_WITH = 'tesseraAccessToken';

/** The `reason` of a 401 from the server (TOKEN_EXPIRED, TOKEN_STALE, TOKEN_REVOKED, TOKEN_INVALID), if any. */
function refusedTokenReason(error: CombinedError | undefined): string | undefined {
  const refused = error?.graphQLErrors.find((e) => e.extensions?.code === 'UNAUTHENTICATED' && e.extensions.reason);
  return refused?.extensions.reason as string | undefined;
}

/**
 * Adds `Authorization: Bearer`, refreshes before the access token expires (by the server's clock) and after a 401
 * `TOKEN_EXPIRED` or `TOKEN_STALE`, retrying the operation once. urql's auth exchange queues every operation while
 * the one refresh runs, so twenty queries at expiry cause one refresh. A token the server revoked (or any refusal
 * that a refresh did not cure) ends the local session without a retry.
 */
export function tesseraAuthExchanges(session: AuthSession, clock: ServerClock): Exchange[] {
  const logoutOnRefusedToken = mapExchange({
    onResult(result) {
      const sentWith = result.operation.context[SENT_WITH];
      if (refusedTokenReason(result.error) && sentWith !== undefined && sentWith === session.current?.accessToken) {
        void session.clear();
      }
    },
  });

  const auth = authExchange(async (utils) => {
    const refreshFn = (refreshToken: string | null) => refreshWith(utils, clock, refreshToken);
    await session.restore(refreshFn);
    // The token the server just refused, if any: a refresh replaces that one (another tab may already have).
    let refused: string | undefined;
    return {
      addAuthToOperation(operation: Operation) {
        const current = session.current;
        if (!current || operation.context[SKIP_AUTH]) return operation;
        const tagged = { ...operation, context: { ...operation.context, [SENT_WITH]: current.accessToken } };
        return utils.appendHeaders(tagged, { Authorization: `Bearer ${current.accessToken}` });
      },
      willAuthError(operation: Operation) {
        return !operation.context[SKIP_AUTH] && session.isExpiring();
      },
      didAuthError(error: CombinedError, operation: Operation) {
        const reason = refusedTokenReason(error);
        const refreshable = reason === 'TOKEN_EXPIRED' || reason === 'TOKEN_STALE';
        if (refreshable) refused = operation.context[SENT_WITH];
        return refreshable;
      },
      async refreshAuth() {
        const replacing = refused ?? session.current?.accessToken;
        refused = undefined;
        await session.refresh(refreshFn, replacing);
      },
    };
  });

  return [logoutOnRefusedToken, auth];
}

async function refreshWith(utils: AuthUtilities, clock: ServerClock, refreshToken: string | null) {
  // Cookie mode sends no argument: the server reads the refresh token from the cookie the browser adds.
  const variables = refreshToken === null ? {} : { refreshToken };
  const result = await utils.mutate(RefreshTokenDocument, variables, { [SKIP_AUTH]: true });
  const payload = result.data?.refreshToken;
  if (payload?.__typename === 'AuthPayload') return toStoredSession(payload, clock);
  if (payload?.__typename === 'InvalidRefreshTokenError') return null;
  // No answer (network) or an unexpected error: keep the session, let the operation fail, try again next time.
  throw result.error ?? new Error('The refresh returned no result.');
}
