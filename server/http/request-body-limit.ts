import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Only a single non-negative integer is a Content-Length (a list of them is a request-smuggling attempt). */
const CONTENT_LENGTH = /^\d+$/;

/**
 * MAX_BODY_BYTES, as Yoga's own `maxRequestBodySize` enforces it, answered alike: 413 for a Content-Length over the
 * limit before a byte of the body is read, 400 for a malformed one, and a body without one (chunked) counted as it
 * arrives and cut at the limit. What Yoga's does besides, this does not: pipe every body through a counting stream,
 * the declared-length ones too. Node's HTTP parser hands on exactly Content-Length bytes of a body, never more (and
 * refuses a request with both a length and chunked framing), so counting them again only cost every request a
 * stream pipeline: an AbortController, a signal and a DOMException with its stack trace, about a tenth of a request
 * to `{ __typename }` in a CPU profile. Yoga's is switched off (`maxRequestBodySize: false`) where this is used.
 *
 * Last in the plugin list: it wraps the request parser Yoga's parsers (and any plugin's) chose.
 */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!CONTENT_LENGTH.test(contentLength)) throw refusal(400, 'BAD_REQUEST', 'Content-Length header is invalid.');
        if (Number(contentLength) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      setRequestParser((unlimited) => requestParser(withCountedBody(unlimited, limit, fetchAPI)));
    },
  };
}

type FetchAPI = Parameters<NonNullable<Plugin['onRequestParse']>>[0]['fetchAPI'];

/** The same request, its body cut with a 413 once more than `limit` bytes have arrived. */
function withCountedBody(request: Request, limit: number, fetchAPI: FetchAPI): Request {
  // A native stream (from a native Request) pipes only into a native TransformStream, a ponyfill one into its own.
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let received = 0;
  const body = request.body!.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body,
    // @ts-expect-error Node's fetch needs it for a streamed body; the DOM types do not know it.
    duplex: 'half',
  });
}

function tooLarge() {
  return refusal(413, 'REQUEST_ENTITY_TOO_LARGE', 'Request body too large');
}

function refusal(status: number, code: string, message: string) {
  return createGraphQLError(message, { extensions: { http: { status }, code } });
}
