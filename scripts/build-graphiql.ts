// `npm run build:graphiql`: GraphiQL's page with the Tessera panel (client/graphiql) into dist/graphiql. Built aside
// and swapped in with a rename, so that a server serving the page (another test run, `npm start`) never finds the
// folder half emptied: vite's own emptyOutDir would delete the scripts a page is loading.
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { build } from 'vite';

const target = fileURLToPath(new URL('../dist/graphiql', import.meta.url));
const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
const staging = `${target}.${suffix}.new`;
const previous = `${target}.${suffix}.old`;

await build({
  configFile: fileURLToPath(new URL('../client/graphiql/vite.config.ts', import.meta.url)),
  build: { outDir: staging, emptyOutDir: true },
});
await rename(target, previous).catch(() => {});
try {
  await rename(staging, target);
} catch {
  // Another build swapped its own in meanwhile: from the same sources, the same files. Keep that one.
  await rm(staging, { recursive: true, force: true });
}
await rm(previous, { recursive: true, force: true });
