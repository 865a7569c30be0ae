import { mkdir } from 'node:fs/promises';

import lockfile from 'proper-lockfile';

export class DataDirectoryInUseError extends Error {
  override name = 'DataDirectoryInUseError';
  constructor(readonly dataDir: string) {
    super(
      `The data directory ${dataDir} is in use by another Tessera process (a running server?). ` +
        'Embedded PGlite allows one process per data directory: stop that process first, ' +
        'or set DATABASE_URL to use Postgres, which any number of processes can share.',
    );
  }
}

/**
 * Takes the data directory for this process, so that a second server or an operator command cannot open the
 * same PGlite files at once (which would corrupt them). Returns the function that gives it back.
 */
export async function lockDataDirectory(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  try {
    return await lockfile.lock(dataDir, {
      realpath: false,
      stale: 15_000,
      update: 5_000,
      // A lost lock (the directory vanished, or the process stalled past `stale`) is logged by the caller's
      // process-level handler rather than thrown from a timer.
      onCompromised: (error) => process.emitWarning(`Data directory lock lost: ${error.message}`),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirectoryInUseError(dataDir);
    throw error;
  }
}
