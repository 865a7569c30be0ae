import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface ServerSentEventHandlers {
  onEvent(message: EventSourceMessage): void;
  /** The stream's `retry:` field: how long the server asks clients to wait before reconnecting. */
  onRetry(ms: number): void;
}

/**
 * Reads an `text/event-stream` body to its end, handing each event over as it completes. A handler that throws
 * ends the reading (the stream is cancelled) with that error.
 */
export async function readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  handlers: ServerSentEventHandlers,
): Promise<void> {
  const parser = createParser({ onEvent: handlers.onEvent, onRetry: handlers.onRetry });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
