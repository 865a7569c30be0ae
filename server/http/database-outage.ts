import { GraphQLError } from 'graphql';
import { maskError, type YogaServerOptions } from 'graphql-yoga';

/** Seconds a client is told to wait before trying again while the database does not answer. */
const RETRY_AFTER_SECONDS = 5;

// Postgres SQLSTATEs that mean "the database cannot serve this now", not "this request is wrong": connection
// exceptions (08), too many connections, shutdown and start-up, and our own statement, lock and idle timeouts.
const UNAVAILABLE_SQLSTATE = /^(08...|53300|57P0[1-4]|57014|55P03|25P03)$/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
// What pg and pg-pool say, without a code, when a connection could not be had or went quiet.
const UNAVAILABLE_MESSAGE =
  /^(timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error)/;

/** Whether an error, or anything it wraps, says the database is out of reach (as opposed to a bug). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true;
    if (UNAVAILABLE_MESSAGE.test(current.message)) return true;
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
    current = current instanceof GraphQLError ? current.originalError : current.cause;
  }
  return false;
}

/**
 * Yoga's error masking, plus one case told plainly: while the database does not answer, a request that needed it
 * (a login, or a token check in database mode) gets HTTP 503 with `Retry-After` and the code
 * `DATABASE_UNAVAILABLE`, instead of an "unexpected" 500. Nothing of the underlying error is shown.
 */
export const maskErrors: NonNullable<
  Extract<YogaServerOptions<object, object>['maskedErrors'], object>
>['maskError'] = (error, message, isDev) => {
  if (!isDatabaseUnavailable(error)) return maskError(error, message, isDev);
  const located = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError('The database is not answering. Try again shortly.', {
    nodes: located?.nodes,
    path: located?.path,
    extensions: {
      code: 'DATABASE_UNAVAILABLE',
      http: { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
    },
  });
};
