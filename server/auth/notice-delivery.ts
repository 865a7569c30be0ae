import { systemClock, type Clock } from '../clock.js';

/** Reports kept for a notice nobody has waited for yet (a report can beat the commit's reply), this long. */
const RETENTION_MS = 10_000;

/**
 * Who has reported holding which revocation notice: this process's own listener (the notice came back) and each
 * peer process (its acknowledgement, sent once it has applied the notice). A process that revokes waits here until
 * every listener connected at the time has reported, so that the answer it gives is one every process honours.
 */
export class NoticeDelivery {
  private readonly reports = new Map<string, { at: number; from: Set<string> }>();
  private readonly wakers = new Set<() => void>();

  constructor(private readonly clock: Clock = systemClock) {}

  received(noticeId: string, from: string): void {
    const now = this.clock.now();
    const report = this.reports.get(noticeId) ?? { at: now, from: new Set<string>() };
    report.from.add(from);
    this.reports.set(noticeId, report);
    for (const [id, { at }] of this.reports) {
      if (now - at < RETENTION_MS) break; // insertion order: the rest are newer
      this.reports.delete(id);
    }
    for (const wake of this.wakers) wake();
  }

  /**
   * Resolves true once each of `listeners` has reported every notice, or false when `timeoutMs` runs out first
   * (the list itself is awaited within the same time; when it cannot be had, the whole time runs out).
   */
  async wait(noticeIds: readonly string[], listeners: Promise<readonly string[]>, timeoutMs: number): Promise<boolean> {
    if (noticeIds.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    let wake = () => {};
    let timedOut = false;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    });
    try {
      // No list (the database did not answer): nobody can be known to hold the notices; the whole time runs out.
      const unknown = timeout.then(() => undefined);
      const expected = await Promise.race([listeners.catch(() => unknown), unknown]);
      if (!expected) return false;
      const complete = () =>
        noticeIds.every((id) => expected.every((listener) => this.reports.get(id)?.from.has(listener)));
      while (!complete()) {
        if (timedOut) return false;
        await Promise.race([new Promise<void>((resolve) => this.wakers.add((wake = resolve))), timeout]);
        this.wakers.delete(wake);
      }
      return true;
    } finally {
      clearTimeout(timer);
      this.wakers.delete(wake);
      for (const id of noticeIds) this.reports.delete(id);
    }
  }
}
