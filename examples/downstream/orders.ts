import { randomUUID } from 'node:crypto';

export interface Order {
  readonly id: string;
  readonly item: string;
}

/** The orders of each user, by Tessera user id (`sub`). In memory: this example is about the tokens, not storage. */
export class OrderBook {
  private readonly byUser = new Map<string, Order[]>();

  ordersOf(userId: string): readonly Order[] {
    return this.byUser.get(userId) ?? [];
  }

  place(userId: string, item: string): Order {
    const order = { id: randomUUID(), item };
    this.byUser.set(userId, [...this.ordersOf(userId), order]);
    return order;
  }
}
