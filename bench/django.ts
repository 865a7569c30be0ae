// The side-by-side of issue #17: the seed's own stack (Django + DRF + stock djangorestframework-simplejwt under
// gunicorn, bench/django/) serving the same authenticated who-am-I, so that Tessera's number has something to be
// compared with on the same machine, Postgres and load generator. Nothing here is part of Tessera.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import pg from 'pg';

import { freePort } from '../tests/helpers/server-process.js';

const PROJECT = fileURLToPath(new URL('./django/', import.meta.url));
/** Django's tables live in this schema of the caller's database, apart from Tessera's. */
const SCHEMA = 'django';
const MODULES = ['django', 'rest_framework', 'rest_framework_simplejwt', 'psycopg2', 'gunicorn'];
/**
 * Debian's packages install for Debian's own interpreter, which a pyenv or venv `python3` earlier on PATH may hide:
 * the first of these that imports every module is used. DJANGO_PYTHON picks another.
 */
const PYTHONS = [process.env.DJANGO_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);

export interface DjangoOptions {
  /** A database the caller created (and drops); Django migrates its tables into the schema `django` there. */
  databaseUrl: string;
  /** Run gunicorn and its workers under `taskset -c cpuList`; unpinned when absent. */
  cpuList?: string;
  /** Gunicorn workers: one per core by default (the CPUs of cpuList, or every CPU of the machine). */
  workers?: number;
  username?: string;
  password?: string;
}

export interface DjangoServer {
  /** Base URL: GET `${url}/me/`, POST `${url}/token/`. */
  readonly url: string;
  /** An access token for `username`, obtained through POST /token/ (valid for an hour). */
  readonly token: string;
  readonly username: string;
  /** What `GET /me/` with `token` answers, byte for byte. */
  readonly meBody: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

let python: string | null | undefined;

/** Whether a python3 with Django, DRF, simplejwt, psycopg2 and gunicorn is present (bench/django/README.md). */
export function djangoAvailable(): boolean {
  return findPython() !== null;
}

/**
 * Migrates Django's tables into the caller's database (schema `django`), creates a plain user, starts gunicorn on a
 * free loopback port, waits until it answers and logs in through POST /token/.
 */
export async function startDjango(options: DjangoOptions): Promise<DjangoServer> {
  const interpreter = findPython();
  if (interpreter === null) throw new Error(`No python3 with ${MODULES.join(', ')}: see bench/django/README.md`);
  const username = options.username ?? 'bench_user';
  const password = options.password ?? 'correct horse battery staple';
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // No __pycache__ left in the repository.
    PYTHONDONTWRITEBYTECODE: '1',
    DJANGO_SETTINGS_MODULE: 'sideproject.settings',
    DJANGO_DATABASE_URL: options.databaseUrl,
    DJANGO_DB_SCHEMA: SCHEMA,
    DJANGO_SECRET_KEY: randomBytes(48).toString('base64url'),
  };
  await createSchema(options.databaseUrl);
  await manage(interpreter, env, ['migrate', '--noinput']);
  await manage(interpreter, env, ['shell', '-c', CREATE_USER], { BENCH_USERNAME: username, BENCH_PASSWORD: password });

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gunicorn = [interpreter, '-m', 'gunicorn', ...gunicornArgs(port, options)];
  const command = options.cpuList === undefined ? gunicorn : ['taskset', '-c', options.cpuList, ...gunicorn];
  // taskset execs gunicorn: the child's pid is gunicorn's master, and the workers it forks inherit the CPUs.
  const child = spawn(command[0]!, command.slice(1), { cwd: PROJECT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const stop = () => stopChild(child);
  try {
    await waitUntilServing(url, child, () => output);
    const token = await obtainToken(url, username, password);
    const me = await fetch(`${url}/me/`, { headers: { authorization: `Bearer ${token}` } });
    const meBody = await me.text();
    if (me.status !== 200 || JSON.parse(meBody).username !== username) {
      throw new Error(`GET /me/ answered ${me.status}: ${meBody}`);
    }
    return { url, token, username, meBody, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const CREATE_USER = `
import os
from django.contrib.auth import get_user_model
user, _ = get_user_model().objects.get_or_create(username=os.environ["BENCH_USERNAME"])
user.set_password(os.environ["BENCH_PASSWORD"])
user.save()
`;

/**
 * gthread workers, one process per core: gunicorn's sync worker assumes a buffering proxy (nginx) in front and closes
 * every connection after one response, so a load generator hitting it directly measures TCP handshakes (autocannon
 * even counts those closes as errors: a run against sync workers failed with 1179 of them), and one slow client
 * blocks a whole worker. gthread keeps connections alive and overlaps the database round trip of one
 * request with the Python of another (the GIL is released while psycopg2 waits); it is the standard choice for
 * gunicorn serving clients directly without async code. A few threads per worker suffice: the work is CPU-bound
 * Python between short queries, and more threads only contend for the GIL.
 */
function gunicornArgs(port: number, options: DjangoOptions): string[] {
  const workers = options.workers ?? (options.cpuList === undefined ? cpus().length : countCpus(options.cpuList));
  return [
    '--bind',
    `127.0.0.1:${port}`,
    '--workers',
    String(workers),
    '--worker-class',
    'gthread',
    '--threads',
    '4',
    '--graceful-timeout',
    '5',
    '--log-level',
    'warning',
    'sideproject.wsgi:application',
  ];
}

/** How many CPUs a taskset list such as `1-3,5` names. */
function countCpus(cpuList: string): number {
  return cpuList.split(',').reduce((sum, part) => {
    const [first, last = first] = part.split('-').map(Number);
    return sum + (last! - first! + 1);
  }, 0);
}

function findPython(): string | null {
  if (python !== undefined) return python;
  python = PYTHONS.find((candidate) => imports(candidate, MODULES)) ?? null;
  return python;
}

function imports(interpreter: string, modules: string[]): boolean {
  try {
    execFileSync(interpreter, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function createSchema(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`create schema if not exists ${SCHEMA}`);
  } finally {
    await client.end();
  }
}

async function manage(
  interpreter: string,
  env: Record<string, string>,
  args: string[],
  extra: Record<string, string> = {},
): Promise<void> {
  try {
    await promisify(execFile)(interpreter, ['manage.py', ...args], {
      cwd: PROJECT,
      env: { ...env, ...extra },
      timeout: 120_000,
    });
  } catch (error: any) {
    throw new Error(`manage.py ${args[0]} failed:\n${error.stderr ?? error.message}`);
  }
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gunicorn exited early (${child.exitCode}):\n${output()}`);
    // Any answer means a worker serves; without a token /me/ is a 401.
    const answered = await fetch(`${url}/me/`).then(
      () => true,
      () => false,
    );
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`gunicorn did not answer in 30 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function obtainToken(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`POST /token/ answered ${response.status}: ${body}`);
  return JSON.parse(body).access as string;
}

/** SIGTERM to gunicorn's master (a graceful stop of its workers), SIGKILL after 10 s. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
