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
  const { code, address, port } = (error ?? {}) as { code?: unknown; address?: unknown; port?: unknown };
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const where = `${String(address)}:${String(port)}`;
    if (code === 'EADDRINUSE')
      return `Cannot listen on ${where}: another process uses that port. Set PORT to a free one.`;
    if (code === 'EACCES') return `Cannot listen on ${where}: not allowed (ports below 1024 need privileges).`;
    return `Cannot listen on ${where}: this machine has no such address. Check HOST.`;
  }
  return undefined;
}
