/** What a listener on a Postgres notification channel reports. */
export interface NotificationHandlers {
  onNotification(payload: string): void;
  /** The channel is listened to (again): anything sent while it was not has been missed. */
  onConnected(): void;
  /** The listening connection is lost; notifications are being missed until `onConnected`. */
  onDisconnected(error: Error): void;
}

export interface NotificationListener {
  close(): Promise<void>;
}

export type ListenFn = (channel: string, handlers: NotificationHandlers) => Promise<NotificationListener>;
