import { sql, type Kysely } from 'kysely';
import type { Plugin } from 'graphql-yoga';

import type { Database } from '../db/database.js';

/**
 * `GET /health`: 200 when the database answers, 503 when it does not. Load balancers use it to take a process
 * that lost its database out of rotation. (Yoga's own check, which asks nothing, stays at `/health/live`.)
 */
export function useDatabaseHealthCheck(db: Kysely<Database>): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health') return;
      const database = await sql`select 1`
        .execute(db)
        .then(() => 'ok' as const)
        .catch(() => 'unavailable' as const);
      endResponse(
        fetchAPI.Response.json(
          { status: database === 'ok' ? 'ok' : 'error', database },
          { status: database === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } },
        ),
      );
    },
  };
}
