// One Tessera server for the benchmark, started by bench/run.ts as a child process with an IPC channel. It is the
// real server (startServer); the additions are an event loop delay monitor the benchmark can read, the time each
// unit of work commits and each ended session it applies (sent as they happen, for propagation measured from the
// commit to the moment another process refuses), and a count of the statements sent to Postgres between two messages
// (`login.statements`), and a bare hash timed where the logins run, so that nothing bench-specific lives in server/.
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { hash } from '@node-rs/argon2';

import { ARGON2_OPTIONS } from '../server/auth/passwords.js';
import { loadConfig } from '../server/config.js';
import { connectDatabase, databaseTargetFromConfig } from '../server/db/connect.js';
import { createLogger } from '../server/logger.js';
import { observeCommits } from '../server/events/unit-of-work.js';
import { startServer } from '../server/server.js';
import { countStatements } from '../tests/helpers/statement-counter.js';

const config = loadConfig(process.env);
const logger = createLogger('warn');
const server = await startServer(config, logger, await connectDatabase(databaseTargetFromConfig(config)));
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();

observeCommits((committedAt) => process.send!({ type: 'committed', at: committedAt }));
// When this process applied each ended session to its memory, from its own unit of work or another's notice: from
// then on it refuses the session's tokens. Propagation `fromCommit` ends here (bench/propagation.ts).
// (REVOCATION_CHECK=database keeps no memory, and has nothing to report.)
server.revocations.subscribe?.((events) => {
  const at = performance.timeOrigin + performance.now();
  for (const event of events) {
    if (event.type === 'session') process.send!({ type: 'session-revoked', sessionId: event.sessionId, at });
  }
});
let counting: ReturnType<typeof countStatements> | undefined;

process.on('message', (message: { type: string }) => {
  if (message.type === 'count-statements') {
    counting = countStatements();
    process.send!({ type: 'counting-statements' });
  } else if (message.type === 'read-statements') {
    const { statements, roundTrips } = counting!.stop();
    process.send!({ type: 'statements', statements, roundTrips });
  } else if (message.type === 'reset-event-loop-delay') {
    delay.reset();
    process.send!({ type: 'event-loop-delay-reset' });
  } else if (message.type === 'read-event-loop-delay') {
    process.send!({ type: 'event-loop-delay', p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 });
  } else if (message.type === 'time-bare-hash') {
    void timeHash().then((ms) => process.send!({ type: 'bare-hash', ms }));
  } else if (message.type === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});

/** One bare argon2id hash with the server's own parameters, timed in this process: the same CPU and libuv pool. */
async function timeHash(): Promise<number> {
  const started = performance.now();
  await hash('correct horse battery staple', ARGON2_OPTIONS);
  return performance.now() - started;
}

process.send!({ type: 'ready', url: server.url, reportsRevocations: server.revocations.subscribe !== undefined });
