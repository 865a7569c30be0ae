import { sql, type Kysely } from 'kysely';
import type { Plugin } from 'graphql-yoga';

import type { Revocations } from '../auth/revocation.js';
import type { Database } from '../db/database.js';

/**
 * `GET /health`: 200 when the database answers, 503 when it does not. Load balancers use it to take a process
 * that lost its database out of rotation. It also says how revocations are being checked. (Yoga's own check,
 * which asks nothing, stays at `/health/live`.)
 */
export function useDatabaseHealthCheck(db: Kysely<Database>, revocations: Pick<Revocations, 'status'>): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health') return;
      const database = await sql`select 1`
        .execute(db)
        .then(() => 'ok' as const)
        .catch(() => 'unavailable' as const);
      // `database-fallback`: the revocation listener is down; tokens are checked against the database meanwhile.
      const revocation = revocations.status();
      const status = database !== 'ok' ? 'error' : revocation === 'database-fallback' ? 'degraded' : 'ok';
      endResponse(
        fetchAPI.Response.json(
          { status, database, revocation },
          { status: database === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } },
        ),
      );
    },
  };
}
