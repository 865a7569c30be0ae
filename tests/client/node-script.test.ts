import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ROOT, runCommand } from '../helpers/run-command.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { testDriver } from '../helpers/test-database.js';

// What an app does: plain Node, no TypeScript loader, importing only the package's client entry point.
const SCRIPT = `
import { createTesseraClient } from 'tessera/client';

const { User } = createTesseraClient({ url: process.env.URL });
const username = 'script_' + Date.now();
await User.register(username, null, 'correct horse battery staple');
await User.logout();
await User.login(username, 'correct horse battery staple');
const between = [User.token()];
const first = await User.me();
await new Promise((resolve) => setTimeout(resolve, 2500));
const second = await User.me();
between.push(User.token());
await User.logout();
console.log(JSON.stringify({ first: first.username, second: second.username, between, after: User.token() }));
`;

describe.runIf(testDriver === 'pglite')('the built client, from a plain Node script', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    const build = await runCommand('npm', ['run', '--silent', 'build:client'], {}, 60_000);
    expect(build).toMatchObject({ code: 0 });
    server = await startTestServer({ ACCESS_TOKEN_TTL: '2s' });
    dir = await mkdtemp(join(tmpdir(), 'tessera-script-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers, logs in, outlives a 2 s access token without an error, and logs out', async () => {
    // Inside the package (as a dependent app's script would be inside its node_modules' reach).
    const script = join(ROOT, 'dist', `script-${Date.now()}.mjs`);
    await writeFile(script, SCRIPT);
    try {
      const result = await runCommand(process.execPath, [script], { URL: server.graphqlUrl });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report).toEqual({ first: report.first, second: report.first, between: [true, true], after: false });
      expect(report.first).toMatch(/^script_/);
    } finally {
      await rm(script, { force: true });
    }
  });
});
