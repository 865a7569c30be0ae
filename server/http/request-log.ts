import { randomUUID } from 'node:crypto';

import { getOperationAST, Kind, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { Context } from '../context.js';
import type { Logger } from '../logger.js';

/** A client's (or proxy's) `X-Request-Id` is kept only when it is short and plain: no room for anything else. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Probes and scrapes, every second or so: logged at debug, so they do not drown the requests that matter. */
const QUIET_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);
const MAX_PATH_LENGTH = 200;
const MAX_NAME_LENGTH = 100;
const MAX_LISTED = 10;

export const REQUEST_ID_HEADER = 'x-request-id';

/** What one request's log line needs; worked out when the line is written, so a request not logged costs little. */
interface RequestRecord {
  readonly requestId: string;
  /** Unset for Yoga's own early answers (`/health/live`, CORS preflights), which come before any plugin's. */
  readonly started?: number;
  /** From the URL Yoga's server adapter parses once for every plugin's `onRequest`. */
  readonly path: string;
  /** What was executed, and for whom: read when the line is written. */
  execution?: { document: DocumentNode; operationName?: string | null; context: Context };
  errors?: readonly GraphQLError[];
}

const records = new WeakMap<Request, RequestRecord>();

/**
 * One log line per request, when its response is ready: its id (the client's sane `X-Request-Id`, else a new UUID,
 * echoed in the response's `X-Request-Id`), method and path (never the query string, which can carry a GraphQL
 * query's variables), the GraphQL operation's name, type and root fields, the HTTP status, the time taken, the
 * viewer's id, why a presented access token was refused, and the error codes of the result. Never a header (but
 * the id), a variable, a cookie or a token: nothing is copied from the request but the id, the path, and the
 * operation's name and root fields from the validated document. The time is until the response is ready (not
 * until its body is sent); Yoga's own answers, given before any plugin is asked (`/health/live`, CORS preflights),
 * carry none. GraphQL requests log at info (warn for a 5xx); probes, scrapes and CORS preflights at debug. What a
 * line says is worked out only when it is written: at LOG_LEVEL=warn a GraphQL request costs an id and a timestamp.
 *
 * First in the plugin list, so that its `onExecute` runs before the refused-token policy stops execution.
 */
export function useRequestLog(logger: Logger): Plugin<Context> {
  return {
    onRequest({ request, url }) {
      records.set(request, { requestId: requestIdFrom(request), started: performance.now(), path: url.pathname });
    },
    onExecute({ args }) {
      const record = records.get(args.contextValue.request);
      if (record)
        record.execution = { document: args.document, operationName: args.operationName, context: args.contextValue };
    },
    onExecutionResult({ request, result }) {
      const record = records.get(request);
      if (record && result && 'errors' in result && result.errors?.length) record.errors = result.errors;
    },
    onResponse({ request, response }) {
      const record = records.get(request) ?? { requestId: requestIdFrom(request), path: new URL(request.url).pathname };
      records.delete(request);
      response.headers.set(REQUEST_ID_HEADER, record.requestId);
      const status = response.status;
      const quiet = QUIET_PATHS.has(record.path) || request.method === 'OPTIONS';
      const level = quiet ? 'debug' : status >= 500 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId: record.requestId,
          method: request.method,
          path: record.path.slice(0, MAX_PATH_LENGTH),
          ...(record.execution && executed(record.execution)),
          status,
          durationMs:
            record.started === undefined ? undefined : Math.round((performance.now() - record.started) * 10) / 10,
          ...(record.execution && viewerOf(record.execution.context)),
          errors: record.errors && [...new Set(record.errors.map(errorCode))].slice(0, MAX_LISTED),
        },
        'Request',
      );
    },
  };
}

/** The client's sane `X-Request-Id`, else a new UUID. */
function requestIdFrom(request: Request): string {
  const offered = request.headers.get(REQUEST_ID_HEADER);
  return offered !== null && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
}

/** The operation's name, type and root fields: names from a validated document, never anything the client made up. */
function executed({ document, operationName }: NonNullable<RequestRecord['execution']>) {
  const operation = getOperationAST(document, operationName);
  return {
    operation: operation?.name?.value.slice(0, MAX_NAME_LENGTH) ?? null,
    operationType: operation?.operation,
    fields: operation?.selectionSet.selections
      .flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []))
      .slice(0, MAX_LISTED),
  };
}

function viewerOf(context: Context) {
  return { userId: context.viewer?.userId ?? null, refusedToken: context.refusedToken?.reason };
}

function errorCode(error: GraphQLError | { extensions?: Record<string, unknown> }): string {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code.slice(0, 64) : 'UNKNOWN';
}
