/** Notices seen before anyone waited for them (the notification beat the commit's reply), kept this long. */
const SEEN_RETENTION_MS = 10_000;
/**
 * Postgres signals every listening backend at commit, in one loop; ours arriving means the others' are in flight.
 * A few more milliseconds (and a turn of the event loop) let them land before the client can ask again.
 */
const SETTLE_MS = 5;

/** Matches notices this process sent with their arrival through its own listener. */
export class NoticeDelivery {
  private readonly seen = new Map<string, number>();
  private readonly waiting = new Map<string, () => void>();

  received(id: string): void {
    const waiter = this.waiting.get(id);
    if (waiter) {
      this.waiting.delete(id);
      waiter();
      return;
    }
    const now = Date.now();
    this.seen.set(id, now);
    for (const [seenId, at] of this.seen) {
      if (now - at < SEEN_RETENTION_MS) break; // insertion order: the rest are newer
      this.seen.delete(seenId);
    }
  }

  /** Resolves true once every notice has arrived (and settled), or false after `timeoutMs`. */
  async wait(ids: readonly string[], timeoutMs: number): Promise<boolean> {
    if (ids.length === 0) return true;
    const arrived = await Promise.all(
      ids.map((id) => {
        if (this.seen.delete(id)) return true;
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            this.waiting.delete(id);
            resolve(false);
          }, timeoutMs);
          this.waiting.set(id, () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
      }),
    );
    if (!arrived.every(Boolean)) return false;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return true;
  }
}
