/**
 * The server's clock, as seen through the `Date` header of its responses. Token expiries are in the server's time;
 * comparing them with a local clock that is minutes off would refresh far too early or too late.
 */
export class ServerClock {
  /** Server time minus local time, in milliseconds. */
  private offset = 0;

  /** Records the `Date` header of a response received just now. */
  observe(dateHeader: string | null): void {
    if (!dateHeader) return;
    const serverTime = Date.parse(dateHeader);
    // The header has one-second resolution: ignore differences it cannot tell from rounding.
    if (Number.isFinite(serverTime)) {
      const offset = serverTime - Date.now();
      this.offset = Math.abs(offset) < 1_000 ? 0 : offset;
    }
  }

  /** The server's current time, in milliseconds since the epoch. */
  now(): number {
    return Date.now() + this.offset;
  }

  /** Wraps `fetch` so that every response keeps the clock in step. */
  wrapFetch(fetchImpl: typeof fetch): typeof fetch {
    return async (input, init) => {
      const response = await fetchImpl(input, init);
      this.observe(response.headers.get('date'));
      return response;
    };
  }
}
