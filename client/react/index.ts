// React bindings: `tessera/react`. Written without JSX (`createElement`) so that the client's plain `tsc` build
// compiles it with the rest.

import type { Client } from '@urql/core';
import { createContext, createElement, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Provider } from 'urql';

import { createTesseraClient, type TesseraClient, type TesseraClientOptions } from '../index.js';
import type { TesseraUser, UserApi } from '../user.js';

/** What `useUser()` returns. */
export interface TesseraUserState {
  /** The logged-in user (as of the last login or refresh), or null: nobody, or not known yet (see `known`). */
  readonly viewer: TesseraUser | null;
  /** False until it is known who is logged in: the first `User.me()` answered, or a login or logout happened. */
  readonly known: boolean;
  /** Why that first `User.me()` failed (e.g. the server could not be reached), while `known` is false. */
  readonly error: Error | undefined;
  /** The client's `User`: `login`, `logout`, `register`, `token()` and the rest. */
  readonly User: UserApi;
}

/**
 * Either a client made with `createTesseraClient` (best made once, at module level: React's StrictMode makes, and
 * drops, a second one from options in development), or the options to make one with. Read once, at first render.
 */
export type TesseraProviderProps = ({ client: TesseraClient } | TesseraClientOptions) & { children?: ReactNode };

const UserContext = createContext<TesseraUserState | null>(null);

/**
 * Makes the Tessera client available to urql's hooks (`useQuery`, `useMutation`) and to `useUser()`. Whenever the
 * logged-in identity changes (login, logout, a user switch, a refresh that changes the role, any of these in another
 * tab), urql's hooks get a new `Client`, so every mounted query runs again with the new identity and nothing answered
 * for the previous one is served from a cache. Token refreshes that keep the user and role change nothing.
 *
 * @param props - `client` (from `createTesseraClient`) or the options to create one; `children`.
 * @returns urql's `Provider` around `children`.
 * @example
 * ```tsx
 * const tessera = createTesseraClient({ url: 'https://auth.example.com/graphql' });
 * createRoot(root).render(<TesseraProvider client={tessera}><App /></TesseraProvider>);
 * ```
 */
export function TesseraProvider(props: TesseraProviderProps): ReactNode {
  // Once per mount, like urql's own client: a client made anew on each render would start a new session each time.
  const [tessera] = useState(() => ('client' in props ? props.client : createTesseraClient(props)));
  const { client, User } = tessera;
  const [view, setView] = useState(() => freshView(client));
  const [state, setState] = useState<Omit<TesseraUserState, 'User'>>({ viewer: null, known: false, error: undefined });

  useEffect(() => {
    let live = true;
    let heard = false;
    // Whom the mounted queries were answered for: nobody without a token; with one, unknown (undefined) until
    // `me()` says, since `User` does not tell which user a stored token belongs to.
    let identity: string | null | undefined = User.token() ? undefined : null;
    const stop = User.onChange(({ user }) => {
      heard = true;
      setState({ viewer: user, known: true, error: undefined });
      const next = identityOf(user);
      if (next !== identity) setView(freshView(client));
      identity = next;
    });
    // Any change heard meanwhile is newer than this answer.
    User.me().then(
      (user) => {
        if (!live || heard) return;
        identity = identityOf(user);
        setState({ viewer: user, known: true, error: undefined });
      },
      (error: unknown) => {
        if (live && !heard) setState({ viewer: null, known: false, error: toError(error) });
      },
    );
    return () => {
      live = false;
      stop();
    };
  }, [client, User]);

  const value = useMemo(() => ({ ...state, User }), [state, User]);
  return createElement(UserContext.Provider, { value }, createElement(Provider, { value: view }, props.children));
}

/**
 * The logged-in user and the `User` actions, inside a `TesseraProvider`. Re-renders on login, logout and refresh.
 *
 * @returns `{ viewer, known, error, User }`.
 * @throws Error outside a `TesseraProvider`.
 * @example
 * ```tsx
 * const { viewer, known, User } = useUser();
 * if (!known) return <Spinner />;
 * return viewer ? <button onClick={() => User.logout()}>Log out {viewer.username}</button> : <LoginForm />;
 * ```
 */
export function useUser(): TesseraUserState {
  const state = useContext(UserContext);
  if (!state) throw new Error('useUser() must be called inside a <TesseraProvider>.');
  return state;
}

/** Who the server answers for: the user, and the role that decides what they may see. Null: nobody. */
function identityOf(user: TesseraUser | null): string | null {
  return user && `${user.id}:${user.role}`;
}

/**
 * A new `Client` value sending through the same one (its auth exchange and session). urql's hooks key their state on
 * the client they get, so a new one makes each mounted query start again from nothing.
 */
function freshView(client: Client): Client {
  // urql's React bindings keep their Suspense cache on the client object (`_react`): give each view its own.
  return Object.create(client, { _react: { value: undefined, writable: true } }) as Client;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
