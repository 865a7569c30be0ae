import { ConfigError } from './config.js';
import { DataDirectoryInUseError } from './db/data-dir-lock.js';
import { DatabaseUnavailableError } from './db/connect.js';

/**
 * Failures at start that the operator can fix, told in one plain sentence (no stack trace) before a non-zero exit.
 * Anything else is a bug and keeps its stack.
 */
export function describeStartupError(error: unknown): string | undefined {
  if (
    error instanceof ConfigError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof DataDirectoryInUseError
  ) {
    return error.message;
  }
  return undefined;
}
