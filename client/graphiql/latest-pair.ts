import type { FoundPair } from './auth-payload-offer.js';

/** The token pair found in the editor's latest result, offered until used or until the next result. */
export class LatestPair {
  private pair: FoundPair | null = null;
  private readonly listeners = new Set<() => void>();

  set(pair: FoundPair | null): void {
    this.pair = pair;
    for (const listener of this.listeners) listener();
  }

  snapshot = (): FoundPair | null => this.pair;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
