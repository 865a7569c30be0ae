import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCommand } from '../helpers/run-command.js';
import { testDriver } from '../helpers/test-database.js';

const startServer = (env: Record<string, string>) =>
  runCommand(process.execPath, ['--import', 'tsx', 'server/main.ts'], { PORT: '0', ...env });

const noStackTrace = (output: string) => expect(output).not.toMatch(/\n\s+at /);

// These start real processes and do not depend on the driver; run them once.
describe.runIf(testDriver === 'pglite')('start-up failures are told plainly, with a non-zero exit', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-startup-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('an unreachable database', async () => {
    const result = await startServer({
      DATABASE_URL: 'postgres://tessera:hunter2-secret@127.0.0.1:1/tessera',
      JWT_SECRET: 'x'.repeat(32),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Cannot reach Postgres at 127.0.0.1:1/tessera');
    expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
    noStackTrace(result.stdout + result.stderr);
  });

  it('a port another process uses', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = holder.address() as AddressInfo;
      const result = await startServer({ PORT: String(port), TESSERA_DATA_DIR: dataDir });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`Cannot listen on 127.0.0.1:${port}: another process uses that port`);
      noStackTrace(result.stdout + result.stderr);
    } finally {
      holder.close();
    }
  });

  it('production with no JWT_SECRET', async () => {
    const result = await startServer({ NODE_ENV: 'production', TESSERA_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('JWT_SECRET is required when NODE_ENV=production');
    noStackTrace(result.stdout + result.stderr);
  });

  it('a JWT_SECRET shorter than 32 bytes, without echoing it', async () => {
    const result = await startServer({ JWT_SECRET: 'short-secret-value', TESSERA_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('JWT_SECRET must be at least 32 bytes long');
    expect(result.stdout).not.toContain('short-secret-value');
  });

  it('a malformed ACCESS_TOKEN_TTL', async () => {
    const result = await startServer({ ACCESS_TOKEN_TTL: 'soon', TESSERA_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ACCESS_TOKEN_TTL must be a duration such as 15m, 2s or 1h');
  });
});
