/** One Server-Sent Event as a client reads it (`data` parsed as JSON). */
export interface ReadEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: any;
}

/** An open `text/event-stream` response, read event by event. */
export interface EventStreamReader {
  readonly response: Response;
  /** The `retry:` the server asked for, once read. */
  readonly retry: number | undefined;
  /** Every event read so far, in order. */
  readonly events: readonly ReadEvent[];
  /** The next event not yet taken whose type is `event` (any type when omitted); the others before it are skipped. */
  next(event?: string): Promise<ReadEvent>;
  /** Resolves once the server has ended the stream (or the connection is gone). */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * Opens a stream with fetch and parses it as the SSE spec says (fields `event`, `id`, `data`, `retry`; a blank line
 * ends an event; lines starting with `:` are comments). Non-2xx answers are returned unread: check `response.status`.
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
  /** Real HTTP by default; `yoga.fetch` to read an app in process. */
  fetchFn: (url: string, init: RequestInit) => Response | Promise<Response> = fetch,
): Promise<EventStreamReader> {
  const abort = new AbortController();
  const response = await fetchFn(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: ReadEvent[] = [];
  const waiting: (() => void)[] = [];
  let taken = 0;
  let retry: number | undefined;
  let done = false;
  const wake = () => waiting.splice(0).forEach((resume) => resume());

  const ended = (async () => {
    if (!response.ok || !response.body) {
      done = true;
      return;
    }
    const decoder = new TextDecoder();
    let buffered = '';
    let fields: Record<string, string> = {};
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done: finished, value } = await reader.read();
        if (finished) break;
        buffered += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).replace(/\r$/, '');
          buffered = buffered.slice(newline + 1);
          if (line === '') {
            if (fields.data !== undefined) {
              events.push({ event: fields.event ?? 'message', id: fields.id, data: JSON.parse(fields.data) });
              wake();
            }
            fields = {};
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (name === 'retry') retry = Number(value);
            else fields[name] = name === 'data' && fields.data !== undefined ? `${fields.data}\n${value}` : value;
          }
        }
      }
    } catch {
      // Aborted by `close()`, or the connection was cut: either way, the stream has ended.
    } finally {
      done = true;
      wake();
    }
  })();

  return {
    response,
    get retry() {
      return retry;
    },
    events,
    async next(event) {
      for (;;) {
        while (taken < events.length) {
          const candidate = events[taken++]!;
          if (event === undefined || candidate.event === event) return candidate;
        }
        if (done) throw new Error(`The stream ended before ${event ?? 'another'} event`);
        await new Promise<void>((resume) => waiting.push(resume));
      }
    },
    ended,
    close: () => abort.abort(),
  };
}
