import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

import { ROOT } from './run-command.js';

export interface ServerProcess {
  readonly url: string;
  readonly output: () => string;
  /** The server's own process id (it runs as this process's direct child). */
  readonly pid: number;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
  /** Sends `signal` (SIGKILL: a crash, with no shutdown of any kind) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** A free port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `server/main.ts` as `npm start` would, and waits until `/health` answers. With `logFile`, its output goes
 * to that file instead of a pipe to this process (the benchmark: a pipe its busy load generator must drain would
 * slow the server's every log write).
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { logFile?: string } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'w');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd);
  let piped = '';
  child.stdout?.on('data', (chunk) => (piped += chunk));
  child.stderr?.on('data', (chunk) => (piped += chunk));
  const readOutput = () => (options.logFile === undefined ? piped : readFileSync(options.logFile, 'utf8'));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The server exited early:\n${readOutput()}`);
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The server did not become healthy in 30 s:\n${readOutput()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    output: readOutput,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill(signal) {
      child.kill(signal);
      await exited;
    },
  };
}
