import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DataDirectoryInUseError, LOCK_FILE, lockDataDirectory } from '../../server/db/data-dir-lock.js';
import { LOGIN, PASSWORD, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { ROOT, runCommand } from '../helpers/run-command.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { TEST_JWT_SECRET } from '../helpers/test-app.js';
import { createPGliteDataDirectory, testDriver } from '../helpers/test-database.js';

const post = (url: string, query: string, variables: Record<string, unknown>) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  }).then((response) => response.json() as Promise<any>);

/** The pid of a process that has run and exited: nothing answers to it now. */
function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  return new Promise((resolve) => child.once('exit', () => resolve(child.pid!)));
}

/** A lock file as another process would have left it. */
const writeLock = (dataDir: string, owner: Record<string, unknown>) =>
  writeFile(
    join(dataDir, LOCK_FILE),
    JSON.stringify({ hostname: hostname(), startedAt: new Date().toISOString(), id: 'left-by-hand', ...owner }),
  );

const lockOwner = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));

// Real processes and the real file system; the lock only matters to embedded PGlite, so run these once.
describe.runIf(testDriver === 'pglite')('the data directory lock', () => {
  let parent: string;
  let dataDir: string;
  const servers: ServerProcess[] = [];
  const env = () => ({ TESSERA_DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET });
  const start = async () => {
    const server = await startServerProcess(env());
    servers.push(server);
    return server;
  };

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'tessera-lock-'));
    dataDir = join(parent, 'data');
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await chmod(parent, 0o755);
    await rm(parent, { recursive: true, force: true });
  });

  // Two server starts in one test, on 2 shared cores, can take longer than the default 30 s.
  describe('between servers', { timeout: 90_000 }, () => {
    beforeEach(async () => {
      await mkdir(dataDir);
      await createPGliteDataDirectory(dataDir);
    });

    it('after kill -9 of a running server, the next one on its directory starts at once, with its users', async () => {
      const first = await start();
      const username = uniqueUsername();
      const registered = await post(first.url, REGISTER, { username, password: PASSWORD });
      expect(registered.data.register.__typename).toBe('AuthPayload');

      await first.kill('SIGKILL');
      expect(lockOwner(dataDir).pid).toBe(first.pid); // the crash left its lock behind

      // Refused, this would throw "The server exited early" (before, it was refused for 11-15 s after a kill -9).
      const second = await start();
      expect(lockOwner(dataDir).pid).toBe(second.pid);
      const loggedIn = await post(second.url, LOGIN, { username, password: PASSWORD });
      expect(loggedIn.data.login).toMatchObject({ __typename: 'AuthPayload', user: { username } });
    });

    it('a second server on a directory a running one holds is refused plainly, and the first keeps serving', async () => {
      const first = await start();
      const result = await runCommand(process.execPath, ['--import', 'tsx', 'server/main.ts'], { PORT: '0', ...env() });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`The data directory ${dataDir} is in use by another Tessera process`);
      expect(result.stdout).toContain(`pid ${first.pid}`);
      expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect((await fetch(`${first.url}/health`)).ok).toBe(true);
    });

    it('the lock lives inside the data directory: nothing is made beside it, so a read-only parent will do', async () => {
      // A container volume: the data directory writable, its parent not. (Root ignores the mode; the listing below
      // is what proves it.)
      await chmod(parent, 0o555);
      const server = await start();
      expect(await readdir(parent)).toEqual(['data']);
      expect(await readdir(dataDir)).toContain(LOCK_FILE);

      expect(await server.stop()).toBe(0);
      expect(await readdir(parent)).toEqual(['data']);
      expect(await readdir(dataDir)).not.toContain(LOCK_FILE); // a clean stop gives it back
    });

    it('a lock left by a process that is gone is taken over', async () => {
      await writeLock(dataDir, { pid: await deadPid() });
      const server = await start();
      expect(lockOwner(dataDir).pid).toBe(server.pid);
    });

    it('servers started at the same moment on a crashed server’s directory: exactly one gets it', async () => {
      await writeLock(dataDir, { pid: await deadPid() }); // every one of them must take over a stale lock
      const lockModule = pathToFileURL(join(ROOT, 'server/db/data-dir-lock.ts')).href;
      const at = Date.now() + 3_000;
      // Each one waits for the same instant, tries, says how it went, and (if it won) holds on until told to go.
      const script = `
        const { lockDataDirectory } = await import(${JSON.stringify(lockModule)});
        await new Promise((resolve) => setTimeout(resolve, ${at} - 50 - Date.now()));
        while (Date.now() < ${at}); // the last moment spun, so that they all go within a millisecond or so
        try {
          await lockDataDirectory(${JSON.stringify(dataDir)});
          console.log('taken');
          process.stdin.resume().once('end', () => process.exit(0));
        } catch (error) {
          console.log(error.name);
        }`;
      const contenders = Array.from({ length: 4 }, () =>
        spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT }),
      );
      const outcomes = await Promise.all(
        contenders.map(
          (child) =>
            new Promise<string>((resolve) => {
              let output = '';
              child.stdout.on('data', (chunk) => {
                output += chunk;
                if (output.includes('\n')) resolve(output.trim());
              });
              child.stderr.on('data', (chunk) => (output += chunk));
              child.once('exit', () => resolve(output.trim()));
            }),
        ),
      );
      await Promise.all(
        contenders.map((child) => {
          child.stdin.end();
          return new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
        }),
      );
      expect(outcomes.sort()).toEqual([
        'DataDirectoryInUseError',
        'DataDirectoryInUseError',
        'DataDirectoryInUseError',
        'taken',
      ]);
    });
  });

  describe('within one process', () => {
    it('the directory stays held until unlock, and an unlock gives back only its own lock', async () => {
      const unlock = await lockDataDirectory(dataDir);
      await expect(lockDataDirectory(dataDir)).rejects.toThrow(DataDirectoryInUseError);
      await expect(lockDataDirectory(dataDir)).rejects.toThrow('(this process, since ');
      await unlock();

      const unlockAgain = await lockDataDirectory(dataDir);
      await unlock(); // late, a second time: must not free the directory the new lock holds
      await expect(lockDataDirectory(dataDir)).rejects.toThrow(DataDirectoryInUseError);
      await unlockAgain();
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    });

    it('a lock naming this pid but not held by this process (an earlier pid 1 in a restarted container) is taken over', async () => {
      await mkdir(dataDir);
      await writeLock(dataDir, { pid: process.pid });
      const unlock = await lockDataDirectory(dataDir);
      expect(lockOwner(dataDir).id).not.toBe('left-by-hand');
      await unlock();
    });

    it('a lock from another host is refused while it is touched, naming the host and the file', async () => {
      await mkdir(dataDir);
      await writeLock(dataDir, { pid: process.pid, hostname: 'some-other-host' });
      const refused = lockDataDirectory(dataDir);
      await expect(refused).rejects.toThrow(DataDirectoryInUseError);
      await expect(refused).rejects.toThrow(
        /on host some-other-host.*taken over once .* untouched, or delete .*tessera\.lock/,
      );
    });

    it('a lock from another host left untouched (a container replaced after a crash) is taken over', async () => {
      await mkdir(dataDir);
      await writeLock(dataDir, { pid: process.pid, hostname: 'a-replaced-container' });
      const aMinuteAgo = new Date(Date.now() - 60_000);
      await utimes(join(dataDir, LOCK_FILE), aMinuteAgo, aMinuteAgo);
      const unlock = await lockDataDirectory(dataDir);
      expect(lockOwner(dataDir).hostname).toBe(hostname());
      await unlock();
    });

    it.runIf(existsSync('/proc/self/stat'))(
      'a lock naming a running pid that was given to a later process (a reboot, a new container) is taken over',
      async () => {
        await mkdir(dataDir);
        const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
        try {
          await writeLock(dataDir, { pid: sleeper.pid, processStart: '1' });
          const unlock = await lockDataDirectory(dataDir);
          await unlock();

          // The same pid with its true start time is its live holder.
          const stat = await readFile(`/proc/${sleeper.pid}/stat`, 'utf8');
          const processStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
          await writeLock(dataDir, { pid: sleeper.pid, processStart });
          await expect(lockDataDirectory(dataDir)).rejects.toThrow(`pid ${sleeper.pid}, since`);
        } finally {
          sleeper.kill('SIGKILL');
        }
      },
    );

    it('an empty lock file (a crash between creating and writing it) is refused while fresh, taken over once old', async () => {
      await mkdir(dataDir);
      const file = join(dataDir, LOCK_FILE);
      await writeFile(file, '');
      await expect(lockDataDirectory(dataDir)).rejects.toThrow('one that is starting right now');
      const aMinuteAgo = new Date(Date.now() - 60_000);
      await utimes(file, aMinuteAgo, aMinuteAgo);
      const unlock = await lockDataDirectory(dataDir);
      await unlock();
    });

    it('a stale lock whose takeover was itself killed half-way (a stale .break) is still taken over', async () => {
      await mkdir(dataDir);
      await writeLock(dataDir, { pid: await deadPid() });
      await writeFile(
        join(dataDir, `${LOCK_FILE}.break`),
        JSON.stringify({ pid: await deadPid(), hostname: hostname(), startedAt: new Date().toISOString(), id: 'x' }),
      );
      const unlock = await lockDataDirectory(dataDir);
      await unlock();
      expect(await readdir(dataDir)).toEqual([]);
    });
  });
});
