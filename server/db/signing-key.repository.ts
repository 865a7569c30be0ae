import { sql, type Kysely } from 'kysely';

import type { Database, SigningKeyRow } from './database.js';

export function listSigningKeys(db: Kysely<Database>): Promise<SigningKeyRow[]> {
  return db.selectFrom('signing_keys').selectAll().orderBy('activates_at').orderBy('created_at').execute();
}

export async function insertSigningKey(
  db: Kysely<Database>,
  key: Omit<SigningKeyRow, 'created_at' | 'public_jwk'> & { public_jwk: Record<string, string> },
): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({ ...key, public_jwk: JSON.stringify(key.public_jwk) })
    .execute();
}

/**
 * Runs `work` while no other process can add a signing key: two workers starting together make one first key, not
 * two. (Held until the transaction ends; PGlite has one connection anyway.)
 */
export async function withSigningKeysLocked<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table signing_keys in share row exclusive mode`.execute(trx);
    return work(trx);
  });
}

/** Deletes keys that verify nothing any more (their successor has signed for longer than a token lives). */
export async function deleteSigningKeys(db: Kysely<Database>, kids: readonly string[]): Promise<number> {
  if (kids.length === 0) return 0;
  const result = await db.deleteFrom('signing_keys').where('kid', 'in', kids).executeTakeFirst();
  return Number(result.numDeletedRows);
}
