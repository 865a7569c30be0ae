import { cpus, freemem, platform, release, totalmem } from 'node:os';

import pg from 'pg';

/** What the numbers were measured on: they mean little without it. */
export async function describeMachine(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('show server_version');
  await client.end();
  const cores = cpus();
  return {
    cpu: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGiB: Math.round(freemem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    postgres: rows[0]?.server_version ?? 'unknown',
  };
}
