import { randomUUID } from 'node:crypto';

import { getOperationAST, Kind, type GraphQLError } from 'graphql';
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

/** What one request's log line says; filled in as the request goes through Yoga's phases. */
interface RequestRecord {
  readonly requestId: string;
  readonly started: number;
  /** From the URL Yoga's server adapter parses once for every plugin's `onRequest`. */
  path?: string;
  operation?: string | null;
  operationType?: string;
  fields?: string[];
  userId?: string | null;
  refusedToken?: string;
  errors?: string[];
}

const records = new WeakMap<Request, RequestRecord>();

/** The id of a request (as logged, and echoed in `X-Request-Id`), for other plugins' log lines. */
export function requestIdOf(request: Request): string | undefined {
  return records.get(request)?.requestId;
}

/**
 * One log line per request, when its response is ready: its id (the client's sane `X-Request-Id`, else a new UUID,
 * echoed in the response's `X-Request-Id`), method and path (never the query string, which can carry a GraphQL
 * query's variables), the GraphQL operation's name, type and root fields, the HTTP status, the time taken, the
 * viewer's id, why a presented access token was refused, and the error codes of the result. Never a header (but
 * the id), a variable, a cookie or a token: nothing is copied from the request but the id, the path, and the
 * operation's name and root fields from the validated document. The time is until the response is ready (not
 * until its body is sent). GraphQL requests log at info (warn for a 5xx); probes, scrapes and CORS preflights at
 * debug.
 *
 * First in the plugin list, so that its `onExecute` runs before the refused-token policy stops execution.
 */
export function useRequestLog(logger: Logger): Plugin<Context> {
  return {
    instrumentation: {
      // Around the whole of Yoga's handling: before its own plugins, which answer some requests (`/health/live`,
      // CORS preflights) before any of ours is asked.
      request({ request }, wrapped) {
        const offered = request.headers.get(REQUEST_ID_HEADER);
        const requestId = offered !== null && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
        records.set(request, { requestId, started: performance.now() });
        return wrapped();
      },
    },
    onRequest({ request, url }) {
      const record = records.get(request);
      if (record) record.path = url.pathname;
    },
    onExecute({ args }) {
      const context = args.contextValue;
      const record = records.get(context.request);
      if (!record) return;
      const operation = getOperationAST(args.document, args.operationName);
      record.operation = operation?.name?.value.slice(0, MAX_NAME_LENGTH) ?? null;
      record.operationType = operation?.operation;
      // Names from a validated document: fields of the schema, never anything the client made up.
      record.fields = operation?.selectionSet.selections
        .flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []))
        .slice(0, MAX_LISTED);
      record.userId = context.viewer?.userId ?? null;
      if (context.refusedToken) record.refusedToken = context.refusedToken.reason;
    },
    onExecutionResult({ request, result }) {
      const record = records.get(request);
      if (!record || !result || !('errors' in result) || !result.errors?.length) return;
      record.errors = [...new Set(result.errors.map(errorCode))].slice(0, MAX_LISTED);
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (!record) return;
      records.delete(request);
      response.headers.set(REQUEST_ID_HEADER, record.requestId);
      const status = response.status;
      const path = record.path ?? new URL(request.url).pathname;
      const quiet = QUIET_PATHS.has(path) || request.method === 'OPTIONS';
      const level = quiet ? 'debug' : status >= 500 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId: record.requestId,
          method: request.method,
          path: path.slice(0, MAX_PATH_LENGTH),
          operation: record.operation,
          operationType: record.operationType,
          fields: record.fields,
          status,
          durationMs: Math.round((performance.now() - record.started) * 10) / 10,
          userId: record.userId,
          refusedToken: record.refusedToken,
          errors: record.errors,
        },
        'Request',
      );
    },
  };
}

function errorCode(error: GraphQLError | { extensions?: Record<string, unknown> }): string {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code.slice(0, 64) : 'UNKNOWN';
}
