import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What reaching the network takes on a machine behind a proxy or a TLS-inspecting gateway (its address, its CA), kept
 * from the test's own environment: without them, `npm install` of a package its cache lacks retries a certificate
 * error until the test gives up.
 */
const NETWORK_VARIABLES = /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS?_PROXY|NO_PROXY|ALL_PROXY)$/i;

function networkEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => NETWORK_VARIABLES.test(entry[0]) && entry[1] !== undefined,
    ),
  );
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command from the repository root with a clean, explicit environment (and the network's settings). `input`,
 * when given, is written to its standard input (a pipe, not a terminal), which is then closed; without it, standard
 * input is empty.
 */
export function runCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
  input?: string,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...networkEnvironment(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The operator command, as `npx tessera ...` runs it; `input` goes to its standard input. */
export function runTessera(args: string[], env: Record<string, string>, input?: string): Promise<CommandResult> {
  return runCommand(process.execPath, ['bin/tessera.mjs', ...args], env, 30_000, input);
}
