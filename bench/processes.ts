import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, startServerProcess } from '../tests/helpers/server-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BenchServer {
  readonly url: string;
  /** The server's process (bench-server and `npm start`), to move it to other CPUs. */
  readonly pid?: number;
  /** Event loop delay p99 since the last reset (bench-server only). */
  eventLoopDelay(): Promise<{ p99Ms: number; maxMs: number }>;
  resetEventLoopDelay(): Promise<void>;
  /** When each unit of work committed on this server (epoch ms, sub-millisecond), in order (bench-server only). */
  readonly commits: number[];
  /** When this server applied each ended session to its memory (epoch ms, by session id; bench-server only). */
  readonly sessionsRevoked: Map<string, number>;
  /** Whether `sessionsRevoked` is filled (bench-server in REVOCATION_CHECK=memory, which has a memory to apply to). */
  readonly reportsRevocations: boolean;
  /** Counts the statements the server sends to Postgres from now until `readStatements` (bench-server only). */
  countStatements(): Promise<void>;
  readStatements(): Promise<{ statements: number; roundTrips: number }>;
  /** How long one bare argon2id hash with the server's parameters takes in the server (bench-server only). */
  timeBareHash(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Where processes run, with `taskset`: the load generator (this process) on CPU 0, servers on the others. On a
 * machine with one CPU nothing is pinned. Postgres is not ours to pin: it runs wherever the kernel puts it.
 * `TESSERA_WORKERS` servers get the servers' CPUs when there are at least two of them; on two cores they get both
 * CPUs, the load generator's included (two workers pinned to one CPU answered a third of what one worker did there,
 * which measures the pinning, not the cluster). A child inherits this process's CPU 0 until it is pinned.
 */
export const cpuPlan = (() => {
  const count = cpus().length;
  const pinned = count >= 2 && hasTaskset();
  return {
    pinned,
    loadGenerator: pinned ? '0' : undefined,
    servers: pinned ? (count === 2 ? '1' : `1-${count - 1}`) : undefined,
    workers: pinned ? (count === 2 ? '0-1' : `1-${count - 1}`) : undefined,
  };
})();

/** Pins a process and every thread it has to `cpuList`; its later threads inherit it. */
export function pin(pid: number, cpuList: string | undefined): void {
  if (cpuList !== undefined) execFileSync('taskset', ['-a', '-cp', cpuList, String(pid)], { stdio: 'ignore' });
}

/** A process and all its descendants (a cluster's primary and its workers). */
function processTree(pid: number): number[] {
  let listed = '';
  try {
    listed = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there is no child.
  }
  const children = listed
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);
  return [pid, ...children.flatMap(processTree)];
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One server process (bench/bench-server.ts), with its event loop delay readable over IPC. */
export async function startBenchServer(
  env: Record<string, string>,
  script = './bench-server.ts',
): Promise<BenchServer> {
  const port = await freePort();
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: string) =>
    new Promise<any>((resolve, reject) => {
      const onMessage = (message: any) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`bench server exited (${code}) waiting for ${type}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  pin(child.pid!, cpuPlan.servers);
  const commits: number[] = [];
  const sessionsRevoked = new Map<string, number>();
  child.on('message', (message: any) => {
    if (message.type === 'committed') commits.push(message.at);
    if (message.type === 'session-revoked' && !sessionsRevoked.has(message.sessionId)) {
      sessionsRevoked.set(message.sessionId, message.at);
    }
  });
  const ready = await next('ready');
  return {
    url: ready.url,
    pid: child.pid!,
    commits,
    sessionsRevoked,
    reportsRevocations: ready.reportsRevocations === true,
    async countStatements() {
      const reply = next('counting-statements');
      child.send({ type: 'count-statements' });
      await reply;
    },
    async readStatements() {
      const reply = next('statements');
      child.send({ type: 'read-statements' });
      const { statements, roundTrips } = await reply;
      return { statements, roundTrips };
    },
    async timeBareHash() {
      const reply = next('bare-hash');
      child.send({ type: 'time-bare-hash' });
      return (await reply).ms;
    },
    async eventLoopDelay() {
      const reply = next('event-loop-delay');
      child.send({ type: 'read-event-loop-delay' });
      const { p99Ms, maxMs } = await reply;
      return { p99Ms, maxMs };
    },
    async resetEventLoopDelay() {
      const reply = next('event-loop-delay-reset');
      child.send({ type: 'reset-event-loop-delay' });
      await reply;
    },
    stop: () => stopChild(child, () => child.send({ type: 'stop' })),
  };
}

/**
 * The real `server/main.ts`, as `npm start` runs it (TESSERA_WORKERS=1 and 2), once every worker serves; the primary
 * and its workers on `cpuPlan.workers`.
 */
export async function startMainServer(env: Record<string, string>): Promise<BenchServer> {
  // At `npm start`'s own log level (a line per request), into a file as a log shipper would read it.
  const logFile = join(tmpdir(), `tessera-bench-${process.pid}-${Date.now()}.log`);
  const server = await startServerProcess(env, { logFile });
  const workers = Number(env.TESSERA_WORKERS ?? 1);
  const deadline = Date.now() + 60_000;
  while ((server.output().match(/Tessera is serving GraphQL/g)?.length ?? 0) < workers) {
    if (Date.now() > deadline) {
      const output = server.output();
      await server.stop();
      rmSync(logFile, { force: true });
      throw new Error(`${workers} workers did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pid of processTree(server.pid)) pin(pid, cpuPlan.workers);
  const unsupported = () => Promise.reject(new Error('not a bench-server'));
  return {
    url: server.url,
    pid: server.pid,
    commits: [],
    sessionsRevoked: new Map(),
    reportsRevocations: false,
    eventLoopDelay: unsupported,
    resetEventLoopDelay: unsupported,
    countStatements: unsupported,
    readStatements: unsupported,
    timeBareHash: unsupported,
    stop: async () => {
      await server.stop();
      rmSync(logFile, { force: true });
    },
  };
}

function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    ask();
  });
}
