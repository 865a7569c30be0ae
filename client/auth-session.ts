import type { ServerClock } from './server-clock.js';
import type { StoredSession, TokenStorage } from './token-storage.js';

export type AuthChangeType = 'login' | 'refresh' | 'logout';

/** What `onChange` listeners receive. */
export interface AuthChange {
  readonly type: AuthChangeType;
  /** The user now logged in, or null after a logout. */
  readonly user: StoredSession['user'] | null;
  /** True when the change was made in another tab. */
  readonly fromOtherTab: boolean;
}

/**
 * Trades a refresh token (null in cookie mode: the cookie is sent instead) for a new session; null when the server
 * refused it (spent, expired, revoked).
 */
export type RefreshFn = (refreshToken: string | null) => Promise<StoredSession | null>;

const LOCK_NAME = 'tessera.refresh';

/**
 * The client's one source of truth for the token pair: mirrors the storage, tells listeners of every change (made
 * here or in another tab), and refreshes with exactly one request in flight, across tabs where the browser has Web
 * Locks, so that rotation never trips the server's reuse detection.
 */
export class AuthSession {
  private session: StoredSession | null = null;
  private readonly listeners = new Set<(change: AuthChange) => void>();
  private refreshing: Promise<StoredSession | null> | undefined;
  private readonly loaded: Promise<void>;
  private markRestored: () => void = () => {};
  /** How to refresh (in cookie mode, through the cookie), once the auth exchange has handed it over at start. */
  private refreshFn: RefreshFn | undefined;
  private handOverRefreshFn: (refreshFn: RefreshFn) => void = () => {};
  /** Resolves with `refreshFn` once the auth exchange has handed it over. */
  private readonly refreshFnHandedOver = new Promise<RefreshFn>((resolve) => {
    this.handOverRefreshFn = resolve;
  });
  /** Cookie mode: why the last restore failed (the server could not be reached), for `settled` to retry. */
  private restoreError: unknown;
  /** Resolves once the session is known: read from storage, and in cookie mode restored through the cookie. */
  readonly ready: Promise<void>;

  /**
   * @param cookieMode - The refresh token is an HttpOnly cookie: refreshes send none, and `restore` may find a
   *   session that no storage holds.
   */
  constructor(
    private readonly storage: TokenStorage,
    private readonly clock: ServerClock,
    private readonly cookieMode?: { mayHaveSession(): boolean },
  ) {
    // A synchronous storage (localStorage, memory) is read at once, so `token()` is right from the first call.
    const loaded = storage.load();
    if (loaded instanceof Promise) {
      this.loaded = loaded.then((session) => {
        this.session = session;
      });
    } else {
      this.session = loaded;
      this.loaded = Promise.resolve();
    }
    this.ready = cookieMode
      ? new Promise((resolve) => {
          this.markRestored = resolve;
        })
      : this.loaded;
    // In cookie mode a login in another tab shows here only as a changed hint: the session comes through the cookie.
    storage.subscribe?.(() => void this.reloadFromStorage().then(() => this.restoreThroughCookie()));
  }

  /**
   * Cookie mode, at start: after a reload the page holds no token, but the browser may hold the refresh cookie. One
   * refresh through it restores the session. Called once by the auth exchange, which holds every operation until
   * this settles; resolves `ready` whatever happens (a failure leaves the client logged out, for `settled` to retry).
   */
  async restore(refreshFn: RefreshFn): Promise<void> {
    this.refreshFn = refreshFn;
    this.handOverRefreshFn(refreshFn);
    await this.loaded;
    try {
      await this.restoreThroughCookie();
    } finally {
      this.markRestored();
    }
  }

  /** `ready`, and then a restore that failed for want of the server tried once more; its failure is thrown. */
  async settled(): Promise<void> {
    await this.ready;
    if (this.restoreError === undefined) return;
    await this.restoreThroughCookie();
    if (this.restoreError !== undefined) throw this.restoreError;
  }

  /** Cookie mode: whether the browser may hold a refresh cookie (for a logout that must reach the server). */
  mayHaveCookieSession(): boolean {
    return this.cookieMode?.mayHaveSession() ?? false;
  }

  private async restoreThroughCookie(): Promise<void> {
    this.restoreError = undefined;
    if (!this.refreshFn || this.session || !this.mayHaveCookieSession()) return;
    try {
      await this.refresh(this.refreshFn);
    } catch (error) {
      this.restoreError = error;
    }
  }

  get current(): StoredSession | null {
    return this.session;
  }

  onChange(listener: (change: AuthChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async set(received: StoredSession, type: 'login' | 'refresh'): Promise<void> {
    const session = this.matchingServerMode(received);
    this.session = session;
    await this.storage.save(session);
    this.emit({ type, user: session.user, fromOtherTab: false });
  }

  /**
   * A newer view of the logged-in user (after `verifyEmail`, say), kept with the pair and told to listeners as a
   * `refresh`. Ignored when it is someone else, or nobody is logged in.
   */
  async updateUser(user: StoredSession['user']): Promise<void> {
    const session = this.session;
    if (!session || session.user.id !== user.id) return;
    await this.set({ ...session, user }, 'refresh');
  }

  async clear(): Promise<void> {
    const had = this.session !== null;
    this.session = null;
    await this.storage.save(null);
    if (had) this.emit({ type: 'logout', user: null, fromOtherTab: false });
  }

  /**
   * True when the access token expires within a quarter of its lifetime (at least one second, at most a minute),
   * by the server's clock: time to refresh before sending it.
   */
  isExpiring(session = this.session): boolean {
    if (!session) return false;
    const expiresAt = Date.parse(session.accessTokenExpiresAt);
    const lifetime = expiresAt - session.receivedAt;
    const margin = Math.min(60_000, Math.max(1_000, lifetime / 4));
    return expiresAt - this.clock.now() < margin;
  }

  /**
   * The access token to send now: the one held, or a fresh one when it is about to expire (`isExpiring`), from a
   * refresh shared with any already in flight. Null when logged out, or when the server refused the refresh.
   */
  async validAccessToken(): Promise<string | null> {
    await this.settled();
    const session = this.session;
    if (!session || !this.isExpiring(session)) return session?.accessToken ?? null;
    const refreshed = await this.refresh(await this.refreshFnHandedOver, session.accessToken);
    return refreshed?.accessToken ?? null;
  }

  /**
   * Gets a fresh pair. Concurrent callers share one request; with Web Locks, so do other tabs. `replacing` is the
   * access token the caller found wanting: if the session already holds another one (a refresh finished meanwhile,
   * here or in another tab), that one is returned without a second refresh.
   */
  refresh(refreshFn: RefreshFn, replacing?: string): Promise<StoredSession | null> {
    this.refreshing ??= this.withLock(async () => {
      await this.reloadFromStorage();
      const session = this.session;
      // With no session held, only cookie mode has something to refresh with: the browser's cookie.
      if (!session && !this.cookieMode) return null;
      const replaced = session !== null && replacing !== undefined && session.accessToken !== replacing;
      if (replaced && !this.isExpiring(session)) return session;
      const next = await refreshFn(session?.refreshToken ?? null);
      if (next) {
        // In cookie mode the cookie may belong to someone else by now (another tab logged in as another user).
        await this.set(next, session?.user.id === next.user.id ? 'refresh' : 'login');
        return this.session;
      }
      // Refused. If another tab (or a password change) stored a new pair meanwhile, that one stands; else log out.
      await this.reloadFromStorage();
      if (this.session && this.session.accessToken !== session?.accessToken) return this.session;
      await this.clear();
      return null;
    }).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** A client and server that disagree on cookie mode half work; say so once, and keep no token the page must not. */
  private matchingServerMode(session: StoredSession): StoredSession {
    if (this.cookieMode && session.refreshToken !== null) {
      warnOnce(
        'Tessera: refreshTokenCookie is set, but the server sent the refresh token in the response body. Run the ' +
          'server with REFRESH_TOKEN_COOKIE=true; the token is not kept, so the session ends with its access token.',
      );
      return { ...session, refreshToken: null };
    }
    if (!this.cookieMode && session.refreshToken === null) {
      warnOnce(
        'Tessera: the server keeps the refresh token in a cookie (REFRESH_TOKEN_COOKIE=true). Create the client with ' +
          '`refreshTokenCookie: true`, or refreshes will fail from another origin.',
      );
    }
    return session;
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    return locks ? (locks.request(LOCK_NAME, work) as Promise<T>) : work();
  }

  private async reloadFromStorage(): Promise<void> {
    const before = this.session;
    const after = await this.storage.load();
    this.session = after;
    if (before?.accessToken === after?.accessToken) return;
    const type: AuthChangeType = !after ? 'logout' : before?.user.id === after.user.id ? 'refresh' : 'login';
    this.emit({ type, user: after?.user ?? null, fromOtherTab: true });
  }

  private emit(change: AuthChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}
