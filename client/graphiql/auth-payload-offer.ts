import { SKIP_AUTH } from '../auth-exchange.js';
import { MeDocument } from '../documents.js';
import type { StoredSession } from '../token-storage.js';
import type { Identity } from './identity-shelf.js';

/** A token pair found in the result of an operation run in the editor (`login`, `register`, `refreshToken`…). */
export interface FoundPair {
  accessToken: string;
  /** Null in cookie mode (the browser took it as a cookie), or when the selection left it out. */
  refreshToken: string | null;
  accessTokenExpiresAt?: string;
  refreshTokenExpiresAt?: string;
  /** When the selection holds `user { username }`. */
  username?: string;
}

/** The first `AuthPayload` in a result's data (any field, any depth), or null. */
export function findAuthPayload(data: unknown): FoundPair | null {
  if (data === null || typeof data !== 'object') return null;
  const object = data as Record<string, unknown>;
  const typename = object.__typename;
  if (typeof object.accessToken === 'string' && (typename === undefined || typename === 'AuthPayload')) {
    const user = object.user as { username?: unknown } | null | undefined;
    return {
      accessToken: object.accessToken,
      refreshToken: typeof object.refreshToken === 'string' ? object.refreshToken : null,
      ...(typeof object.accessTokenExpiresAt === 'string' && { accessTokenExpiresAt: object.accessTokenExpiresAt }),
      ...(typeof object.refreshTokenExpiresAt === 'string' && { refreshTokenExpiresAt: object.refreshTokenExpiresAt }),
      ...(typeof user?.username === 'string' && { username: user.username }),
    };
  }
  for (const value of Object.values(object)) {
    const found = findAuthPayload(value);
    if (found) return found;
  }
  return null;
}

/**
 * Makes `identity` hold the found pair. The user comes from the server (`me` with the access token), so whatever the
 * selection held, the panel knows who it is; the expiries the selection left out come from the token's claims.
 */
export async function adoptPair(identity: Identity, pair: FoundPair): Promise<void> {
  const claims = readClaims(pair.accessToken);
  const result = await identity.client
    .query(
      MeDocument,
      {},
      {
        [SKIP_AUTH]: true,
        requestPolicy: 'network-only',
        fetchOptions: { headers: { Authorization: `Bearer ${pair.accessToken}` } },
      },
    )
    .toPromise();
  if (result.error) throw result.error;
  const user = result.data?.me;
  if (!user) throw new Error('The server did not accept this access token (expired or revoked?).');
  const accessTokenExpiresAt = pair.accessTokenExpiresAt ?? new Date((claims.exp ?? 0) * 1000).toISOString();
  const session: StoredSession = {
    accessToken: pair.accessToken,
    accessTokenExpiresAt,
    refreshToken: pair.refreshToken,
    refreshTokenExpiresAt: pair.refreshTokenExpiresAt ?? accessTokenExpiresAt,
    // Issued at, by the server's clock: with the expiry it gives the lifetime, and so when to refresh.
    receivedAt: claims.iat !== undefined ? claims.iat * 1000 : identity.clock.now(),
    user,
  };
  await identity.session.set(session, 'login');
}

/** The claims of a JWT, unverified: only the times are read, for display and refresh timing. */
function readClaims(token: string): { exp?: number; iat?: number } {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json) as { exp?: number; iat?: number };
  } catch {
    return {};
  }
}
