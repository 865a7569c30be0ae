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

/** Trades a refresh token for a new session; null when the server refused it (spent, expired, revoked). */
export type RefreshFn = (refreshToken: string) => Promise<StoredSession | null>;

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
  readonly ready: Promise<void>;

  constructor(
    private readonly storage: TokenStorage,
    private readonly clock: ServerClock,
  ) {
    // A synchronous storage (localStorage, memory) is read at once, so `token()` is right from the first call.
    const loaded = storage.load();
    if (loaded instanceof Promise) {
      this.ready = loaded.then((session) => {
        this.session = session;
      });
    } else {
      this.session = loaded;
      this.ready = Promise.resolve();
    }
    storage.subscribe?.(() => void this.reloadFromStorage());
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
      if (!session) return null;
      const replaced = replacing !== undefined && session.accessToken !== replacing;
      if (replaced && !this.isExpiring(session)) return session;
      const next = await refreshFn(session.refreshToken);
      if (next) {
        await this.set(next, 'refresh');
        return next;
      }
      // Refused. If another tab (or a password change) stored a new pair meanwhile, that one stands; else log out.
      await this.reloadFromStorage();
      if (this.session && this.session.refreshToken !== session.refreshToken) return this.session;
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
