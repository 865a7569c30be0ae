import { spawn } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';

import { ROOT, runCommand } from './run-command.js';
import { freePort } from './server-process.js';

const EXAMPLE = join(ROOT, 'examples', 'downstream');

export interface DownstreamProcess {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

let prepared: Promise<void> | undefined;

/**
 * What `npm install` in examples/downstream leaves: `node_modules/tessera` linking to this checkout (its
 * `file:../..` dependency), with `tessera/verifier` built from the current sources. The example's other imports
 * resolve from the checkout's node_modules, as Node looks up the directory tree.
 */
export function prepareDownstreamExample(): Promise<void> {
  prepared ??= (async () => {
    await mkdir(join(EXAMPLE, 'node_modules'), { recursive: true });
    await symlink('../../..', join(EXAMPLE, 'node_modules', 'tessera')).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    const built = await runCommand('npm', ['run', '--silent', 'build:verifier'], {}, 120_000);
    if (built.code !== 0) throw new Error(`npm run build:verifier failed:\n${built.stdout}${built.stderr}`);
  })();
  return prepared;
}

/** Starts examples/downstream/main.ts with `node --import tsx`, and waits until it serves. */
export async function startDownstreamProcess(env: {
  TESSERA_URL: string;
  TESSERA_SERVICE_ID: string;
  TESSERA_SERVICE_SECRET: string;
  TESSERA_AUDIENCE?: string;
}): Promise<DownstreamProcess> {
  await prepareDownstreamExample();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: EXAMPLE,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!output.includes('Orders service on')) {
    if (child.exitCode !== null) throw new Error(`The orders service exited early:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The orders service did not start in 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
