// One Tessera server for the benchmark, started by bench/run.ts as a child process with an IPC channel. It is the
// real server (startServer); the only addition is an event loop delay monitor the benchmark can read, so that
// nothing bench-specific lives in server/.
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { loadConfig } from '../server/config.js';
import { connectDatabase, databaseTargetFromConfig } from '../server/db/connect.js';
import { createLogger } from '../server/logger.js';
import { startServer } from '../server/server.js';

const config = loadConfig(process.env);
const logger = createLogger('warn');
const server = await startServer(config, logger, await connectDatabase(databaseTargetFromConfig(config)));
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();

process.on('message', (message: { type: string }) => {
  if (message.type === 'reset-event-loop-delay') {
    delay.reset();
    process.send!({ type: 'event-loop-delay-reset' });
  } else if (message.type === 'read-event-loop-delay') {
    process.send!({ type: 'event-loop-delay', p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 });
  } else if (message.type === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
process.send!({ type: 'ready', url: server.url });
