import { sql, type Kysely } from 'kysely';
import type { Plugin } from 'graphql-yoga';

import type { Revocations } from '../auth/revocation.js';
import type { Database } from '../db/database.js';

/** A load balancer's probe must get an answer, whatever the database does. */
const DATABASE_PROBE_TIMEOUT_MS = 800;

/**
 * `GET /health`: 200 when the database answers, 503 when it does not (or not within a second). Load balancers use
 * it to take a process that lost its database out of rotation. It also says how revocations are being checked and,
 * in memory mode, how old the listener's latest heartbeat echo is. (Yoga's own check, which asks nothing, stays at
 * `/health/live`.)
 */
export function useDatabaseHealthCheck(
  db: Kysely<Database>,
  revocations: Pick<Revocations, 'status' | 'listenerEchoAgeMs'>,
): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health') return;
      const database = await probeDatabase(db);
      // `database-fallback`: memory is not trusted (listener down or its heartbeats late); tokens are checked
      // against the database meanwhile.
      const revocation = revocations.status();
      const status = database !== 'ok' ? 'error' : revocation === 'database-fallback' ? 'degraded' : 'ok';
      const echoAge = revocations.listenerEchoAgeMs?.();
      endResponse(
        fetchAPI.Response.json(
          {
            status,
            database,
            revocation,
            ...(echoAge !== undefined && { listenerEchoAgeMs: Math.round(echoAge) }),
          },
          { status: database === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } },
        ),
      );
    },
  };
}

async function probeDatabase(db: Kysely<Database>): Promise<'ok' | 'unavailable' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), DATABASE_PROBE_TIMEOUT_MS);
  });
  const probe = sql`select 1`
    .execute(db)
    .then(() => 'ok' as const)
    .catch(() => 'unavailable' as const);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
