import type { Client, OperationResult } from '@urql/core';

import type { AuthChange, AuthSession } from './auth-session.js';
import { SKIP_AUTH } from './auth-exchange.js';
import {
  ChangePasswordDocument,
  LoginDocument,
  LogoutAllDocument,
  LogoutDocument,
  MeDocument,
  RegisterDocument,
  RevokeSessionDocument,
  SessionsDocument,
} from './documents.js';
import { TesseraError } from './errors.js';
import type { AuthPayloadFieldsFragment, SessionsQuery, UserFieldsFragment } from './gql/graphql.js';
import type { ServerClock } from './server-clock.js';
import { toStoredSession } from './stored-session.js';

export type TesseraUser = UserFieldsFragment;
export type TesseraSession = SessionsQuery['sessions'][number];

/** The logged-in user of this client, after the classic front-end `User` helper. */
export interface UserApi {
  /**
   * Creates an account and logs it in.
   * @returns The new user.
   * @throws `TesseraError` with code `VALIDATION` (see `field`) or `USERNAME_TAKEN`.
   * @example `const user = await User.register('alice', 'alice@example.com', 'a long passphrase');`
   */
  register(username: string, email: string | null, password: string): Promise<TesseraUser>;
  /**
   * Logs in and keeps the token pair.
   * @throws `TesseraError` with code `INVALID_CREDENTIALS`.
   * @example `await User.login('alice', 'a long passphrase');`
   */
  login(username: string, password: string): Promise<TesseraUser>;
  /**
   * Tells the server (ending this session) and always clears local state, even when the server cannot be reached.
   * @example `await User.logout();`
   */
  logout(): Promise<void>;
  /**
   * Resolves once the session is loaded (from storage; in cookie mode, by one refresh through the cookie after a
   * reload), with whether a user is logged in. Before that, `token()` may say false for a session being restored.
   * @throws urql's `CombinedError` when a cookie-mode restore could not reach the server (twice: at start and on
   *   this call); calling again tries again.
   * @example `if (!(await User.ready())) showLogin();`
   */
  ready(): Promise<boolean>;
  /**
   * Whether a token is held (the classic `!!jwt`). For the token itself, `accessToken()`.
   * @example `if (!User.token()) showLogin();`
   */
  token(): boolean;
  /**
   * A valid access token, to call another service that trusts Tessera's tokens (send it as
   * `Authorization: Bearer <token>`). Refreshes first when the held one is about to expire, by the server's clock,
   * so the token returned has time left; one refresh is shared with any already in flight. Null when logged out,
   * or when the server refused the refresh (the client is then logged out).
   * @throws urql's `CombinedError` when a needed refresh could not reach the server.
   * @example
   * ```ts
   * const token = await User.accessToken();
   * if (token) await fetch('https://reports.example.com/api', { headers: { Authorization: `Bearer ${token}` } });
   * ```
   */
  accessToken(): Promise<string | null>;
  /**
   * The user as the server knows them now; null when logged out.
   * @example `const me = await User.me();`
   */
  me(): Promise<TesseraUser | null>;
  /**
   * This user's live sessions (`current` marks this one).
   * @example `const sessions = await User.sessions();`
   */
  sessions(): Promise<TesseraSession[]>;
  /**
   * Ends one of this user's sessions.
   * @returns False when there was no such live session.
   * @example `await User.revokeSession(session.id);`
   */
  revokeSession(id: string): Promise<boolean>;
  /**
   * Ends every session of this user, this one included, and clears local state.
   * @returns How many sessions ended.
   * @example `await User.logoutAll();`
   */
  logoutAll(): Promise<number>;
  /**
   * Changes the password; other sessions end and this one continues with a fresh pair.
   * @throws `TesseraError` with code `INVALID_CREDENTIALS` (wrong current password) or `VALIDATION`.
   * @example `await User.changePassword('old passphrase', 'new passphrase');`
   */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  /**
   * Calls `listener` on every login, refresh and logout, including those made in another tab.
   * @returns A function that stops the calls.
   * @example `const stop = User.onChange(({ type, user }) => render(user));`
   */
  onChange(listener: (change: AuthChange) => void): () => void;
}

export function createUserApi(client: Client, session: AuthSession, clock: ServerClock): UserApi {
  const anonymous = { [SKIP_AUTH]: true, requestPolicy: 'network-only' } as const;
  const fresh = { requestPolicy: 'network-only' } as const;

  async function keep(payload: AuthPayloadFieldsFragment): Promise<TesseraUser> {
    await session.set(toStoredSession(payload, clock), 'login');
    return payload.user;
  }

  return {
    async register(username, email, password) {
      const result = dataOrThrow(await client.mutation(RegisterDocument, { username, email, password }, anonymous));
      const outcome = result.register;
      if (outcome.__typename === 'AuthPayload') return keep(outcome);
      throw new TesseraError(outcome);
    },
    async login(username, password) {
      const outcome = dataOrThrow(await client.mutation(LoginDocument, { username, password }, anonymous)).login;
      if (outcome.__typename === 'AuthPayload') return keep(outcome);
      throw new TesseraError(outcome);
    },
    async logout() {
      await session.ready;
      try {
        // In cookie mode the server ends the cookie's session even when this page holds no access token.
        if (session.current || session.mayHaveCookieSession()) {
          await client.mutation(LogoutDocument, {}, fresh).toPromise();
        }
      } finally {
        await session.clear();
      }
    },
    async ready() {
      await session.settled();
      return session.current !== null;
    },
    token: () => session.current !== null,
    accessToken: () => session.validAccessToken(),
    async me() {
      await session.ready;
      if (!session.current) return null;
      return dataOrThrow(await client.query(MeDocument, {}, fresh).toPromise()).me;
    },
    async sessions() {
      return dataOrThrow(await client.query(SessionsDocument, {}, fresh).toPromise()).sessions;
    },
    async revokeSession(id) {
      return dataOrThrow(await client.mutation(RevokeSessionDocument, { id }, fresh)).revokeSession;
    },
    async logoutAll() {
      await session.ready;
      try {
        return dataOrThrow(await client.mutation(LogoutAllDocument, {}, fresh)).logoutAll;
      } finally {
        await session.clear();
      }
    },
    async changePassword(currentPassword, newPassword) {
      const result = await client.mutation(ChangePasswordDocument, { currentPassword, newPassword }, fresh);
      const outcome = dataOrThrow(result).changePassword;
      if (outcome.__typename !== 'AuthPayload') throw new TesseraError(outcome);
      await session.set(toStoredSession(outcome, clock), 'refresh');
    },
    onChange: (listener) => session.onChange(listener),
  };
}

/** The data of a result, or its `CombinedError` thrown (network and GraphQL errors kept apart). */
function dataOrThrow<T>(result: OperationResult<T>): T {
  if (result.error) throw result.error;
  if (result.data === undefined) throw new Error('The server returned no data.');
  return result.data;
}
