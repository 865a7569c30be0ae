// Runs PGlite's initdb for a new data directory on a worker thread. initdb is about four seconds of synchronous
// WebAssembly; off the main thread it overlaps with loading the rest of the server, so a first `npm start` is
// ready sooner. Plain JavaScript so that it loads in any runtime (tsx, vitest, compiled output) without a loader.
import { workerData } from 'node:worker_threads';

import { PGlite } from '@electric-sql/pglite';

const pglite = await PGlite.create(workerData.dataDir);
await pglite.close();
