/** What a listener on a Postgres notification channel reports. */
export interface NotificationHandlers {
  onNotification(payload: string): void;
  /** The channel is listened to (again): anything sent while it was not has been missed. */
  onConnected(): void;
  /** The listening connection is lost; notifications are being missed until `onConnected`. */
  onDisconnected(error: Error): void;
  /** A message sent to this listener alone, on its `directChannel` (a peer's acknowledgement). */
  onDirect?(payload: string): void;
}

export interface NotificationListener {
  /**
   * A moment (this process's clock, milliseconds) before which every notification committed has been delivered:
   * the send time of the latest heartbeat this listener heard back. Postgres delivers notifications to a listener
   * in commit order, so hearing a heartbeat back proves nothing committed before it is still in flight.
   */
  deliveredUpTo(): number;
  /**
   * On Postgres, the channel that reaches this listener alone, and the id that names it among its peers (see
   * `listenerIdOf`). Undefined where delivery is in process (PGlite): there are no peers.
   */
  readonly directChannel?: string;
  readonly id?: string;
  /** NOTIFYs `channel` through the listening connection (an acknowledgement to a peer); never throws. */
  send(channel: string, payload: string): void;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** How often the listener NOTIFYs itself to prove the connection still delivers. */
  heartbeatIntervalMs: number;
  /**
   * A revocation listener: one that a revoking process finds (`findListenerIds`) and waits for. Any other listener
   * (the mail sender's wake-up) must not be counted, or every revocation would wait out the trust window for it.
   */
  revocationPeer?: boolean;
}

export type ListenFn = (
  channel: string,
  handlers: NotificationHandlers,
  options: ListenOptions,
) => Promise<NotificationListener>;
