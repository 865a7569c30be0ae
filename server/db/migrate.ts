import { Migrator, type Kysely, type MigrationResult } from 'kysely';

import { migrations } from '../../migrations/index.js';
import type { Database } from './database.js';

/** Brings the schema up to date. Safe to run on every start: applied migrations are skipped. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResult[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed`.trim(), { cause: error });
  }
  return results ?? [];
}
