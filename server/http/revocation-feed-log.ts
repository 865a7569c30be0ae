import { randomBytes } from 'node:crypto';

import type { RevocationEvent } from '../auth/revocation-events.js';

/** One batch of revocations as this process applied it, numbered in the order it was applied. */
export interface FeedNotice {
  readonly id: string;
  readonly events: readonly RevocationEvent[];
}

/** How many notices a reconnecting client can catch up on before it is sent a new snapshot instead. */
export const RECENT_NOTICES = 10_000;

/**
 * The numbering of the revocation feed and its recent past. Ids are `<epoch>:<seq>`: the epoch is random per
 * process start, so an id from another process (or from before a restart) is never mistaken for one of ours; `seq`
 * counts applied batches. Only the last `capacity` notices are kept (a ring): a client further behind than that
 * gets a snapshot, which costs as much as the live state, not as much as the history.
 */
export class RevocationFeedLog {
  readonly epoch = randomBytes(6).toString('hex');
  private readonly ring: (FeedNotice | undefined)[];
  private seq = 0;

  constructor(private readonly capacity = RECENT_NOTICES) {
    this.ring = new Array<FeedNotice | undefined>(capacity);
  }

  /** The id of the latest notice: a snapshot taken now holds everything up to it. */
  get lastId(): string {
    return `${this.epoch}:${this.seq}`;
  }

  append(events: readonly RevocationEvent[]): FeedNotice {
    this.seq++;
    const notice = { id: `${this.epoch}:${this.seq}`, events };
    this.ring[this.seq % this.capacity] = notice;
    return notice;
  }

  /**
   * The notices after `lastEventId`, oldest first; undefined when the id is not one this log can resume from (another
   * epoch, malformed, not yet issued, or older than the ring holds): the client then needs a snapshot.
   */
  since(lastEventId: string): FeedNotice[] | undefined {
    const match = /^([0-9a-f]+):(\d{1,15})$/.exec(lastEventId.trim());
    if (!match || match[1] !== this.epoch) return undefined;
    const after = Number(match[2]);
    if (after > this.seq || after < this.seq - this.capacity) return undefined;
    const notices: FeedNotice[] = [];
    for (let seq = after + 1; seq <= this.seq; seq++) notices.push(this.ring[seq % this.capacity]!);
    return notices;
  }
}
