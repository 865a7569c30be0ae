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
    storage.subscribe?.(() => void this.reloadFromStorage());
  }

  /**
   * Cookie mode, at start: after a reload the page holds no token, but the browser may hold the refresh cookie. One
   * refresh through it restores the session. Called once by the auth exchange, which holds every operation until
   * this settles; resolves `ready` whatever happens (a failure leaves the client logged out).
   */
  async restore(refreshFn: RefreshFn): Promise<void> {
    await this.loaded;
    try {
      if (this.cookieMode && !this.session && this.cookieMode.mayHaveSession()) await this.refresh(refreshFn);
    } catch {
      // The server could not be reached: the page starts logged out, as it would with no cookie.
    } finally {
      this.markRestored();
    }
  }

  get current(): StoredSession | null {
    return this.session;
  }

  onChange(listener: (change: AuthChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async set(session: StoredSession, type: 'login' | 'refresh'): Promise<void> {
    this.session = session;
    await this.storage.save(session);
    this.emit({ type, user: session.user, fromOtherTab: false });
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
        await this.set(next, session ? 'refresh' : 'login');
        return next;
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
