import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `pgbouncer` package puts the binary (`.ci/run` installs it). */
export const PGBOUNCER_BINARY = '/usr/sbin/pgbouncer';

export const pgbouncerInstalled = existsSync(PGBOUNCER_BINARY);

/** A real PgBouncer in transaction mode in front of one Postgres database, started for a test and stopped after. */
export interface PgBouncer {
  /** The database's connection string, through PgBouncer. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PgBouncer (transaction pooling, as most managed poolers run) in front of the database at `databaseUrl`.
 * node-postgres sends the timeouts as startup parameters, which PgBouncer refuses unless told to ignore them: the
 * same setting the README asks of operators.
 */
export async function startPgBouncer(databaseUrl: string): Promise<PgBouncer> {
  const target = new URL(databaseUrl);
  const database = target.pathname.slice(1);
  const user = decodeURIComponent(target.username || 'postgres');
  const dir = await mkdtemp(join(tmpdir(), 'tessera-pgbouncer-'));
  const port = await freePort();
  await writeFile(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 10',
      'max_client_conn = 200',
      'ignore_startup_parameters = extra_float_digits,statement_timeout,lock_timeout,idle_in_transaction_session_timeout',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  await chmod(dir, 0o777);
  // PgBouncer refuses to run as root: as root (CI, containers), it runs as the postgres user.
  const asUser = process.getuid?.() === 0 ? postgresUser() : {};
  const child: ChildProcess = spawn(PGBOUNCER_BINARY, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore', ...asUser });
  await waitForPort(port, child);
  const url = new URL(databaseUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // SIGTERM: shut down at once (SIGINT would wait for every client to leave).
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`PgBouncer exited with code ${child.exitCode}`);
    const probe = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    if (probe.status === 0) return;
    if (Date.now() > deadline) throw new Error('PgBouncer did not start listening within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
