/** One Server-Sent Event: its type, its id when a client may resume after it, and a JSON payload. */
export interface ServerSentEvent {
  readonly event: string;
  readonly id?: string;
  readonly data: unknown;
}

/** An open `text/event-stream` response body, written by the server until either side closes it. */
export interface EventStream {
  readonly body: ReadableStream<Uint8Array>;
  /** Queues an encoded event (see `encodeEvent`); ignored once closed. */
  write(chunk: Uint8Array): void;
  close(): void;
}

const encoder = new TextEncoder();

/**
 * The wire form of one event. JSON never holds a raw newline, so `data` is always one line; ids and event names are
 * ours, never a client's, so neither can smuggle a field in. Encoded once, however many streams it is written to.
 */
export function encodeEvent({ event, id, data }: ServerSentEvent): Uint8Array {
  return encoder.encode(`event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
}

/**
 * A stream body that starts with `retry:` (how long a client waits before reconnecting) and calls `onClose` once,
 * whichever way it ends: closed here, cancelled by the client going away, or cut because the client reads too
 * slowly (more than `maxQueued` events waiting): a client that far behind reconnects and resumes or starts over,
 * rather than this process holding its backlog.
 */
export function openEventStream(
  Stream: typeof ReadableStream,
  { retryMs, maxQueued, onClose }: { retryMs: number; maxQueued: number; onClose: () => void },
): EventStream {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  // Some implementations (whatwg-node's) call `start` later, not in the constructor: writes wait for it here.
  let early: Uint8Array[] | undefined = [encoder.encode(`retry: ${retryMs}\n\n`)];
  let closed = false;
  const finish = () => {
    if (closed) return false;
    closed = true;
    onClose();
    return true;
  };
  const body = new Stream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        for (const chunk of early ?? []) controller.enqueue(chunk);
        early = undefined;
        if (closed) controller.close();
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: maxQueued },
  );
  const close = () => {
    if (finish()) controller?.close();
  };
  return {
    body,
    write(chunk) {
      if (closed) return;
      if (early) {
        if (early.length >= maxQueued) return close();
        early.push(chunk);
        return;
      }
      if ((controller!.desiredSize ?? 0) <= 0) return close();
      controller!.enqueue(chunk);
    },
    close,
  };
}
