import { sql, type Kysely } from 'kysely';

import type { Database } from './database.js';
import { LISTENER_APPLICATION_PREFIX, listenerIdOf } from './pg-listener.js';

/**
 * The ids of the revocation listeners connected to this database now, as Postgres sees them: every Tessera process
 * that could be holding revocations in memory. (A connection that died silently is still listed until Postgres
 * notices; waiting on it is bounded by the trust window.)
 */
export async function findListenerIds(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ application_name: string }>`
    select application_name from pg_stat_activity
    where datname = current_database() and application_name like ${`${LISTENER_APPLICATION_PREFIX}%`}
  `.execute(db);
  return rows.map((row) => listenerIdOf(row.application_name)).filter((id): id is string => id !== undefined);
}
