import type { ErrorCode } from './gql/graphql.js';

export type { ErrorCode };

/**
 * An expected failure, as the schema types it: wrong credentials, a refused argument, a taken username, a spent
 * refresh token. Anything else (no network, a 500, a refused token) rejects with urql's `CombinedError`, which
 * keeps network and GraphQL errors apart.
 *
 * @example
 * ```ts
 * try {
 *   await User.login(username, password);
 * } catch (error) {
 *   if (error instanceof TesseraError && error.code === 'INVALID_CREDENTIALS') showLoginFailed();
 *   else throw error;
 * }
 * ```
 */
export class TesseraError extends Error {
  override name = 'TesseraError';
  /** The schema's `ErrorCode`. */
  readonly code: ErrorCode;
  /** For `VALIDATION`: the argument that was refused (`username`, `email`, `password`, `newPassword`). */
  readonly field: string | undefined;

  constructor(failure: { code: ErrorCode; message: string; field?: string | null }) {
    super(failure.message);
    this.code = failure.code;
    this.field = failure.field ?? undefined;
  }
}
