import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { freePort, startServerProcess } from '../tests/helpers/server-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BenchServer {
  readonly url: string;
  /** Event loop delay p99 since the last reset (bench-server only). */
  eventLoopDelay(): Promise<{ p99Ms: number; maxMs: number }>;
  resetEventLoopDelay(): Promise<void>;
  stop(): Promise<void>;
}

/** One server process (bench/bench-server.ts), with its event loop delay readable over IPC. */
export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const port = await freePort();
  const child = fork(fileURLToPath(new URL('./bench-server.ts', import.meta.url)), {
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
  const ready = await next('ready');
  return {
    url: ready.url,
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

/** The real `server/main.ts`, as `npm start` runs it (used for TESSERA_WORKERS=2), once every worker serves. */
export async function startMainServer(env: Record<string, string>): Promise<BenchServer> {
  const server = await startServerProcess(env);
  const workers = Number(env.TESSERA_WORKERS ?? 1);
  const deadline = Date.now() + 60_000;
  while ((server.output().match(/Tessera is serving GraphQL/g)?.length ?? 0) < workers) {
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${workers} workers did not start:\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const unsupported = () => Promise.reject(new Error('not a bench-server'));
  return {
    url: server.url,
    eventLoopDelay: unsupported,
    resetEventLoopDelay: unsupported,
    stop: async () => {
      await server.stop();
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
