import { assembleTesseraClient, type AssembledClient } from '../assemble-client.js';
import { localTokenStorage } from '../token-storage.js';

/** One logged-in account of the panel: a client of its own, with its own session and storage key. */
export interface Identity extends AssembledClient {
  readonly id: string;
}

/** What the shelf keeps in `localStorage` between page loads: ids only, never a token. */
interface ShelfRecord {
  ids: string[];
  active: string | null;
}

const SHELF_KEY = 'tessera.graphiql.identities';
const sessionKey = (id: string) => `tessera.graphiql.identity.${id}`;

/**
 * The panel's identities. Each has its own client (its own `AuthSession`, storage key and refresh), so several stay
 * logged in side by side and each is refreshed on its own; one of them, or none, is active for the editor.
 *
 * In cookie mode the browser holds one refresh cookie for the origin, and so one session: the shelf holds at most one
 * identity there, kept in memory (the client's cookie mode), and nothing of it goes to `localStorage` but the
 * client's hint (a user id).
 */
export class IdentityShelf {
  private identities: Identity[] = [];
  private activeId: string | null = null;
  private readonly listeners = new Set<() => void>();
  private version = 0;
  /** Cookie mode's one client, made once: the cookie is the origin's, whoever logs in. */
  private cookieIdentity: Identity | undefined;
  private readonly watched = new WeakSet<Identity>();

  constructor(
    private readonly url: string,
    readonly cookieMode: boolean,
  ) {}

  /** Reads the shelf kept by an earlier page load and keeps the identities whose session is still there. */
  async restore(): Promise<void> {
    if (this.cookieMode) {
      const identity = this.fresh();
      // A reload holds no token: one refresh through the cookie brings the session back, if there is one.
      if (await identity.User.ready().catch(() => false)) this.add(identity);
      return;
    }
    const record = readRecord();
    for (const id of record.ids) {
      const identity = this.assemble(id);
      if (await identity.User.ready()) this.track(identity);
      else window.localStorage.removeItem(sessionKey(id));
    }
    this.activeId = this.identities.some((i) => i.id === record.active) ? record.active : null;
    this.changed();
  }

  /** A client for a login or registration not finished yet; `add` puts it on the shelf once it holds a session. */
  fresh(): Identity {
    if (this.cookieMode) return (this.cookieIdentity ??= this.assemble('cookie'));
    return this.assemble(crypto.randomUUID());
  }

  /** Puts a logged-in identity on the shelf and makes it the active one. */
  add(identity: Identity): void {
    if (!this.identities.includes(identity)) this.track(identity);
    this.activeId = identity.id;
    this.changed();
  }

  /** Logs the identity out (ending its session on the server) and takes it off the shelf. */
  async logOut(identity: Identity): Promise<void> {
    try {
      await identity.User.logout();
    } finally {
      this.drop(identity);
    }
  }

  /** Makes `id` the identity the editor's requests carry; null for none (anonymous requests). */
  activate(id: string | null): void {
    this.activeId = this.identities.some((i) => i.id === id) ? id : null;
    this.changed();
  }

  active(): Identity | null {
    return this.identities.find((i) => i.id === this.activeId) ?? null;
  }

  list(): readonly Identity[] {
    return this.identities;
  }

  /** Whether another login can be added: always, except in cookie mode with one identity already. */
  canAdd(): boolean {
    return !this.cookieMode || this.identities.length === 0;
  }

  /** For `useSyncExternalStore`: a number that changes with every change of the shelf or of a session on it. */
  snapshot = (): number => this.version;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private assemble(id: string): Identity {
    const parts = this.cookieMode
      ? assembleTesseraClient({ url: this.url, refreshTokenCookie: true })
      : assembleTesseraClient({ url: this.url, storage: localTokenStorage(sessionKey(id)) });
    return { ...parts, id };
  }

  private track(identity: Identity): void {
    this.identities = [...this.identities, identity];
    if (this.watched.has(identity)) return;
    this.watched.add(identity);
    // A refresh shows a new lifetime; a session the server ended (refused refresh, revoked) leaves the shelf.
    identity.User.onChange((change) => {
      if (change.type === 'logout') this.drop(identity);
      else this.changed();
    });
  }

  private drop(identity: Identity): void {
    if (!this.identities.includes(identity)) return;
    this.identities = this.identities.filter((i) => i !== identity);
    if (this.activeId === identity.id) this.activeId = null;
    this.changed();
  }

  private changed(): void {
    this.version += 1;
    if (!this.cookieMode) {
      const record: ShelfRecord = { ids: this.identities.map((i) => i.id), active: this.activeId };
      window.localStorage.setItem(SHELF_KEY, JSON.stringify(record));
    }
    for (const listener of this.listeners) listener();
  }
}

function readRecord(): ShelfRecord {
  try {
    const record = JSON.parse(window.localStorage.getItem(SHELF_KEY) ?? 'null') as ShelfRecord | null;
    return record && Array.isArray(record.ids) ? record : { ids: [], active: null };
  } catch {
    return { ids: [], active: null };
  }
}
