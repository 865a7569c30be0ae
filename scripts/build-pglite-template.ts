// Run by `npm run build` (and so by `npm install`): PGlite's initdb takes several seconds, so it is done once here,
// at install time, and a new data directory starts from this copy instead (see server/db/connect.ts).
import { mkdir, writeFile } from 'node:fs/promises';

import { PGlite } from '@electric-sql/pglite';

import { pgliteTemplateFile } from '../server/db/pglite-template.js';

const file = pgliteTemplateFile();
const pglite = await PGlite.create();
const dump = await pglite.dumpDataDir('none');
await pglite.close();
await mkdir(new URL('.', file), { recursive: true });
await writeFile(file, Buffer.from(await dump.arrayBuffer()));
console.log(`Wrote ${file.pathname}`);
