import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * The lock is a file inside the data directory, naming the process that holds it. Inside, not beside: a data
 * directory mounted writable in a read-only parent (a container volume) must be enough to start.
 */
export const LOCK_FILE = 'tessera.lock';

/** What a lock file says: written whole by the process that takes the lock, never changed after. */
interface Owner {
  pid: number;
  hostname: string;
  startedAt: string;
  /** The kernel's start time of that process (Linux), which tells it from a later process given the same pid. */
  processStart?: string;
  /** Unique to this taking of the lock: unlock removes only its own file, and a takeover only the file it judged. */
  id: string;
}

/** The ids of the locks this process holds: a second open in the same process (a restart in tests) is refused. */
const held = new Set<string>();

export class DataDirectoryInUseError extends Error {
  override name = 'DataDirectoryInUseError';
  constructor(
    readonly dataDir: string,
    holder = '(a running server?)',
  ) {
    super(
      `The data directory ${dataDir} is in use by another Tessera process ${holder}. ` +
        'Embedded PGlite allows one process per data directory: stop that process first, ' +
        'or set DATABASE_URL to use Postgres, which any number of processes can share.',
    );
  }
}

/**
 * Takes the data directory for this process, so that a second server or an operator command cannot open the
 * same PGlite files at once (which would corrupt them). Returns the function that gives it back.
 *
 * A lock whose process is gone (kill -9, a crash, a reboot) is taken over at once: there is no timeout to wait out.
 */
export async function lockDataDirectory(dataDir: string): Promise<() => Promise<void>> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const attempt = acquire(file);
  if ('heldBy' in attempt) throw new DataDirectoryInUseError(dataDir, attempt.heldBy);
  // Touched while held: the only sign of life another host (a replacement container) can read.
  const touch = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // gone (the directory removed): nothing left to guard
    }
  }, FOREIGN_LOCK_TOUCH_MS);
  touch.unref();
  return async () => {
    clearInterval(touch);
    release(file, attempt.taken);
  };
}

/** How often a held lock is touched, and after how long without a touch another host's lock counts as left behind. */
const FOREIGN_LOCK_TOUCH_MS = 5_000;
const FOREIGN_LOCK_STALE_MS = 20_000;

type Attempt = { taken: Owner } | { heldBy: string };

/**
 * Creates `file` with `wx` (it fails if the file exists: of two processes, one creates it). A file left by a process
 * that is gone is removed first, but only while holding `<file>.break`, itself taken this same way. Why that is safe:
 * only a holder of `.break` removes another process's lock file, and only if it still reads the very text it judged
 * stale (each lock's text is unique, by its id). While it holds `.break` nobody else can remove the file (they would
 * need `.break`), the dead owner will not, and no new lock can be created while the file exists: so the file it
 * re-read is the file it removes, never a live lock that another process took meanwhile. A process killed while
 * holding `.break` leaves a stale `.break`, which the next one removes the same way, under `.break.break`.
 */
function acquire(file: string): Attempt {
  for (;;) {
    const mine = newOwner();
    try {
      // One synchronous open-and-write, so nothing else in this process runs between them.
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
      held.add(mine.id);
      return { taken: mine };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const seen = readLock(file);
    if (!seen) continue; // released since: try again
    const holder = liveHolder(file, seen);
    if (holder) return { heldBy: holder };

    const breaking = acquire(`${file}.break`);
    if ('heldBy' in breaking) return breaking; // another process is taking it over right now: it will hold it
    try {
      if (readLock(file)?.text === seen.text) unlinkSync(file);
    } finally {
      release(`${file}.break`, breaking.taken);
    }
  }
}

/** Who holds the lock described by `seen`, for the message; undefined when nobody does any more. */
function liveHolder(file: string, seen: { text: string; modifiedAt: number }): string | undefined {
  const owner = parseOwner(seen.text);
  if (!owner) {
    // Empty or cut short: its process is between creating and writing it (a moment), or died right there.
    return Date.now() - seen.modifiedAt < 10_000 ? '(one that is starting right now)' : undefined;
  }
  if (owner.hostname !== hostname()) {
    // Another machine (or container) on a shared volume: its processes cannot be seen from here, but a live holder
    // touches the file every few seconds. Untouched for longer, it was left by a container since replaced.
    if (Date.now() - seen.modifiedAt > FOREIGN_LOCK_STALE_MS) return undefined;
    return (
      `(pid ${owner.pid} on host ${owner.hostname}, since ${owner.startedAt}), which this host cannot check. ` +
      `If no Tessera runs there any more (a replaced container, say), the lock is taken over once it has gone ` +
      `${FOREIGN_LOCK_STALE_MS / 1000} s untouched, or delete ${file}`
    );
  }
  // Our own pid: held by this process now, or left by an earlier process given the same pid (pid 1 in a container).
  if (owner.pid === process.pid) return held.has(owner.id) ? `(this process, since ${owner.startedAt})` : undefined;
  const stat = procStat(owner.pid);
  if (!isRunning(owner.pid) || stat?.state === 'Z') return undefined; // gone, or a zombie not yet reaped
  // Running, but started after the lock was written: the pid was given again (after a reboot, in a new container).
  if (owner.processStart && stat && stat.start !== owner.processStart) return undefined;
  return `(pid ${owner.pid}, since ${owner.startedAt}: a running server?)`;
}

function release(file: string, mine: Owner): void {
  try {
    // Read, then remove: nobody replaces a live lock in between (see `acquire`), so what is removed is ours.
    if (readLock(file)?.text === JSON.stringify(mine)) unlinkSync(file);
  } finally {
    held.delete(mine.id);
  }
}

function newOwner(): Owner {
  return {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    processStart: procStat(process.pid)?.start,
    id: randomBytes(8).toString('hex'),
  };
}

/** The lock file's text and when it was written; undefined when there is none. */
function readLock(file: string): { text: string; modifiedAt: number } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return { text: readFileSync(fd, 'utf8'), modifiedAt: fstatSync(fd).mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function parseOwner(text: string): Owner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<Owner>;
    // A positive integer only: process.kill(0 or a negative number) would signal a whole process group.
    if (Number.isSafeInteger(owner.pid) && owner.pid! > 0 && typeof owner.hostname === 'string' && owner.id) {
      return owner as Owner;
    }
  } catch {
    // not JSON: see the caller
  }
  return undefined;
}

/** Signal 0 checks that the process exists without touching it; EPERM means it exists but is another user's. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's state and start time (clock ticks since boot), from Linux's /proc; undefined elsewhere or if gone. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state ppid ...": the command may hold spaces and parentheses, so count from the last ')'.
    // Fields 3 (state) and 22 (starttime) of proc(5).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, start: fields[19]! };
  } catch {
    return undefined;
  }
}
