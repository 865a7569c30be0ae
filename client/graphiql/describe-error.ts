import { CombinedError } from '@urql/core';

import { TesseraError } from '../errors.js';

/** What a failed panel action tells the person. */
export function describeError(error: unknown): string {
  if (error instanceof TesseraError) return error.field ? `${error.message} (${error.field})` : error.message;
  if (error instanceof CombinedError && error.networkError) return 'The server cannot be reached.';
  if (error instanceof CombinedError) return error.graphQLErrors.map((e) => e.message).join(' ');
  return error instanceof Error ? error.message : String(error);
}
