import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTesseraClient } from '../../client/index.js';
import { ROOT, runCommand, type CommandResult } from '../helpers/run-command.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { testDriver } from '../helpers/test-database.js';

// What a new user does, from a separate app: `npm pack` in the clone, install the tarball into an empty directory,
// type-check the app with `tsc --strict`, run it with plain Node against a real server, bundle a page with Vite.
// Every example of the README's "Using Tessera from an app" runs here, as written there.

/** The version of a package the repository has installed: the consumer installs the same, from npm's cache. */
async function installedVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
  return `${name}@${manifest.version}`;
}

/** The ```ts blocks of the README section under `heading` (up to the next heading of its level or above). */
function readmeExamples(readme: string, heading: string): string[] {
  const level = heading.indexOf(' ');
  const blocks: string[] = [];
  let inSection = false;
  let block: string[] | undefined;
  let otherFence = false;
  for (const line of readme.split('\n')) {
    if (block) {
      if (line === '```') {
        blocks.push(block.join('\n'));
        block = undefined;
      } else block.push(line);
    } else if (otherFence) {
      otherFence = line !== '```';
    } else if (line.startsWith('```')) {
      if (inSection && line === '```ts') block = [];
      else otherFence = true;
    } else if (/^#+ /.test(line)) {
      if (line === heading) inSection = true;
      else if (inSection && line.indexOf(' ') <= level) break;
    }
  }
  if (blocks.length === 0) throw new Error(`The README has no TypeScript example under "${heading}"`);
  return blocks;
}

/** The result of a command that must succeed; else its output, in the error. */
function ok(result: CommandResult): CommandResult {
  if (result.code !== 0) throw new Error(`Exit code ${result.code}:\n${result.stdout}${result.stderr}`);
  return result;
}

// The acceptance script: register, read `me`, log out, and urql's errors are the app's own `CombinedError`.
const APP = `
import { CombinedError } from '@urql/core';
import { createTesseraClient, TesseraError, type TesseraUser } from 'tessera/client';

const url = process.argv[2] ?? 'http://localhost:4000/graphql';
const { User } = createTesseraClient({ url });
const username = \`app_\${Date.now()}\`;

const registered: TesseraUser = await User.register(username, null, 'correct horse battery staple');
const token: string | null = await User.accessToken();
const me = await User.me();
const taken = await User.register(username, null, 'correct horse battery staple').catch((error: unknown) => error);
await User.logout();

// A server that is not there: the error is urql's CombinedError, the very class this app imports.
const offline = createTesseraClient({ url: 'http://127.0.0.1:9/graphql' }).User;
const unreachable = await offline.login(username, 'correct horse battery staple').catch((error: unknown) => error);

console.log(
  JSON.stringify({
    registered: registered.username,
    createdAt: registered.createdAt,
    token: token?.split('.').length,
    me: me?.username,
    taken: taken instanceof TesseraError ? taken.code : String(taken),
    loggedOut: !User.token() && (await User.me()) === null && (await User.accessToken()) === null,
    combinedError: unreachable instanceof CombinedError,
  }),
);
`;

// A service that trusts Tessera's tokens: tessera/verifier resolves, loads with plain Node, and refuses garbage.
const VERIFIER_APP = `
import { createTesseraVerifier, TesseraVerificationError } from 'tessera/verifier';

const verifier = createTesseraVerifier({
  issuer: process.argv[2]!,
  audience: 'tessera',
  service: { id: 'svc_0000000000000000', secret: 'not-a-real-secret' },
});
const refused = await verifier.verify('not.a.token').catch((error: unknown) => error);
await verifier.close();
console.log(JSON.stringify({ code: refused instanceof TesseraVerificationError ? refused.code : String(refused) }));
`;

const PAGE_HTML = `<!doctype html>
<html>
  <body>
    <p id="state"></p>
    <script type="module" src="./main.ts"></script>
  </body>
</html>
`;

function pageScript(withReact: boolean): string {
  return `
import { CombinedError } from '@urql/core';
import { createTesseraClient } from 'tessera/client';
import { possibleTypes } from 'tessera/possible-types';
${withReact ? "import { TesseraProvider } from 'tessera/react';" : ''}

const { User } = createTesseraClient({ url: '/graphql' });
document.getElementById('state')!.textContent = JSON.stringify({
  loggedIn: User.token(),
  unions: Object.keys(possibleTypes),
  combinedError: typeof CombinedError,
  ${withReact ? 'provider: typeof TesseraProvider,' : ''}
});
`;
}

describe.runIf(testDriver === 'pglite')('the packed package, installed in a new app', () => {
  let server: TestServer;
  let work: string;
  let app: string;
  let packed: string[];
  let tarballSize: number;
  let withReact: boolean;
  let readme: string;
  /** The package.json inside the tarball. */
  let packedManifest: { exports: Record<string, unknown> };

  /** Runs a script of the app's package.json, in the app (as `npm run` does). */
  const npmRun = (script: string, ...args: string[]) =>
    runCommand('npm', ['--prefix', app, 'run', '--silent', script, '--', ...args], {}, 120_000);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'tessera-package-'));
    app = join(work, 'app');
    await mkdir(join(app, 'src'), { recursive: true });
    await mkdir(join(app, 'page'));
    readme = await readFile(join(ROOT, 'README.md'), 'utf8');

    // `npm pack` runs `prepack`, which builds the client from the current sources.
    ok(await runCommand('npm', ['pack', '--silent', '--pack-destination', work], {}, 120_000));
    const [tarball] = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const tarballPath = join(work, tarball!);
    tarballSize = (await readFile(tarballPath)).length;
    packed = ok(await runCommand('tar', ['-tzf', tarballPath], {}))
      .stdout.trim()
      .split('\n');
    withReact = packed.includes('package/dist/client/react/index.js');

    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'app',
        private: true,
        type: 'module',
        scripts: {
          codegen: 'graphql-codegen --config codegen.ts',
          build: 'tsc -p tsconfig.json',
          'check-declarations': 'tsc -p tsconfig.declarations.json',
          bundle: `node ${join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js')} build page --outDir ../page-dist --emptyOutDir --logLevel warn`,
        },
      }),
    );
    const packages = [
      '@urql/core',
      'graphql',
      '@apollo/client',
      'rxjs',
      'graphql-request',
      'typescript',
      '@types/node',
      '@graphql-codegen/cli',
      '@graphql-codegen/client-preset',
      ...(withReact ? ['react', 'urql', '@types/react'] : []),
    ];
    const versions = await Promise.all(packages.map(installedVersion));
    ok(
      await runCommand(
        'npm',
        ['--prefix', app, 'install', '--no-audit', '--no-fund', '--prefer-offline', tarballPath, ...versions],
        {},
        // Cold npm caches (a fresh CI machine) download a few hundred megabytes here, while the suite runs beside it.
        270_000,
      ),
    );

    packedManifest = JSON.parse(await readFile(join(app, 'node_modules', 'tessera', 'package.json'), 'utf8'));

    // The app as a user would write it: strict TypeScript, Node's own ESM resolution.
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: ['node'],
          rootDir: '.',
          outDir: 'out',
          noEmitOnError: true,
          skipLibCheck: true,
        },
        exclude: ['out', 'page-dist', 'node_modules'],
      }),
    );
    // Tessera's own declarations, checked in full (skipLibCheck off) through every entry it exports.
    await writeFile(
      join(app, 'tsconfig.declarations.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { noEmit: true, skipLibCheck: false },
        include: [],
        files: ['entries.ts'],
      }),
    );
    await writeFile(
      join(app, 'entries.ts'),
      ['client', 'possible-types', 'codegen', 'verifier', ...(withReact ? ['react'] : [])]
        .map((entry, i) => `export type * as entry${i} from 'tessera/${entry}';`)
        .join('\n'),
    );
    await writeFile(join(app, 'app.ts'), APP);
    await writeFile(join(app, 'verifier-app.ts'), VERIFIER_APP);
    await writeFile(join(app, 'page', 'index.html'), PAGE_HTML);
    await writeFile(join(app, 'page', 'main.ts'), pageScript(withReact));

    // The README's examples, each with a username of its own.
    const [clientExample] = readmeExamples(readme, '### The typed client');
    const [apolloExample] = readmeExamples(readme, '### Using Apollo Client');
    const [graphqlRequestExample] = readmeExamples(readme, '### Using graphql-request');
    const [codegenConfig, codegenExample] = readmeExamples(readme, '### Code generation');
    const examples: [string, string | undefined][] = [
      ['readme-client.ts', clientExample],
      ['readme-apollo.ts', apolloExample],
      ['readme-graphql-request.ts', graphqlRequestExample],
      ['codegen.ts', codegenConfig],
      ['src/profile.ts', codegenExample],
    ];
    server = await startTestServer();
    for (const [file, example] of examples) {
      expect(example, file).toBeDefined();
      await writeFile(join(app, file), forThisServer(example!, usernameFor(file)));
    }
  }, 420_000);

  afterAll(async () => {
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const usernames = new Map<string, string>();
  /** The username standing in for the README's `alice` in one example. */
  function usernameFor(file: string): string {
    if (!usernames.has(file)) usernames.set(file, `alice_${randomBytes(4).toString('hex')}`);
    return usernames.get(file)!;
  }
  function forThisServer(example: string, username: string): string {
    return example.replaceAll('http://localhost:4000/graphql', server.graphqlUrl).replaceAll('alice', username);
  }
  const runNode = (file: string, ...args: string[]) => runCommand(process.execPath, [join(app, file), ...args], {});

  it('carries the built client, the schema and what `npx tessera` runs, and no more', () => {
    const files = packed.map((path) => path.replace(/^package\//, ''));
    // Every target of "exports" (tessera/react's once its sources exist).
    const targets: string[] = [];
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''));
      else Object.values(value as object).forEach(walk);
    };
    walk(packedManifest.exports);
    expect(targets).toContain('dist/client/gql/possible-types.js');
    for (const target of targets) {
      if (target.startsWith('dist/client/react/') && !withReact) continue;
      expect(files).toContain(target);
    }
    expect(files).toContain('bin/tessera.mjs');
    // Neither the demo page nor the PGlite template (tens of megabytes).
    expect(files.filter((file) => !/^(bin|server|migrations|dist\/(client|verifier))\//.test(file)).sort()).toEqual([
      'README.md',
      'package.json',
      'schema.graphql',
    ]);
    expect(tarballSize).toBeLessThan(400_000);
  });

  it('leaves one copy of @urql/core in the app: its own', async () => {
    const listed = await runCommand('npm', ['--prefix', app, 'ls', '@urql/core', '--all', '--parseable'], {});
    const copies = new Set(listed.stdout.trim().split('\n'));
    expect([...copies]).toEqual([join(app, 'node_modules', '@urql', 'core')]);
  });

  it("generates the app's types with tessera/codegen, and tsc --strict passes on the app and Tessera's declarations", async () => {
    ok(await npmRun('codegen'));
    const generated = await readFile(join(app, 'src', 'gql', 'graphql.ts'), 'utf8');
    expect(generated).toMatch(/createdAt: string/);
    ok(await npmRun('build'));
    ok(await npmRun('check-declarations'));
  }, 120_000);

  it('a plain Node script imports tessera/client, registers, reads me and logs out', async () => {
    const result = await runNode('out/app.js', server.graphqlUrl);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toEqual({
      registered: expect.stringMatching(/^app_/),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      token: 3,
      me: report.registered,
      taken: 'USERNAME_TAKEN',
      loggedOut: true,
      combinedError: true,
    });
  });

  it('a plain Node script imports tessera/verifier, which refuses a malformed token', async () => {
    const result = await runNode('out/verifier-app.js', server.url);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ code: 'TOKEN_INVALID' });
  });

  it("runs the README's typed client example", async () => {
    const result = await runNode('out/readme-client.js');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('INVALID_CREDENTIALS');
    expect(result.stdout).toContain('logout undefined');
  });

  it("runs the README's Apollo Client example: with the shipped possibleTypes, a UsernameTakenError has its code", async () => {
    const username = usernameFor('readme-apollo.ts');
    const result = await runNode('out/readme-apollo.js');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`username: '${username}'`);
    expect(result.stdout).toMatch(/__typename: 'UsernameTakenError',\s+code: 'USERNAME_TAKEN',\s+message: /);
  });

  it("runs the README's graphql-request example", async () => {
    const username = usernameFor('readme-graphql-request.ts');
    const result = await runNode('out/readme-graphql-request.js');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`{ me: { username: '${username}', role: 'USER' } }`);
    expect(result.stdout).toMatch(/__typename: 'UsernameTakenError',\s+code: 'USERNAME_TAKEN',\s+message: /);
  });

  it("runs the README's code generation example: DateTime typed and received as a string", async () => {
    const username = usernameFor('src/profile.ts');
    await createTesseraClient({ url: server.graphqlUrl }).User.register(username, null, 'a long passphrase');
    const result = await runNode('out/src/profile.js');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toMatch(new RegExp(`^${username} \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`));
  });

  it('bundles a page with Vite, with @urql/core once', { timeout: 60_000 }, async () => {
    ok(await npmRun('bundle'));
    const assets = join(app, 'page-dist', 'assets');
    const scripts = (await readdir(assets)).filter((name) => name.endsWith('.js'));
    const code = (await Promise.all(scripts.map((name) => readFile(join(assets, name), 'utf8')))).join('\n');
    expect(code).toContain('RegisterResult');
    // A string of @urql/core's CombinedError: one copy of the library, one occurrence.
    expect(code.split('[Network]').length - 1).toBe(1);
  });

  it('`npx tessera` runs from the installed package', async () => {
    const result = await runCommand(join(app, 'node_modules', '.bin', 'tessera'), ['--help'], {});
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('migrate');
  });
});
