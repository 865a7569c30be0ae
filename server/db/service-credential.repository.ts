import type { Insertable, Kysely } from 'kysely';

import type { Database, ServiceCredentialRow, ServiceCredentialsTable } from './database.js';

/** Stores a new credential; false when the name is taken (by a live or a revoked one). */
export async function insertServiceCredential(
  db: Kysely<Database>,
  credential: Insertable<ServiceCredentialsTable>,
): Promise<boolean> {
  const row = await db
    .insertInto('service_credentials')
    .values(credential)
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export function listServiceCredentials(db: Kysely<Database>): Promise<ServiceCredentialRow[]> {
  return db.selectFrom('service_credentials').selectAll().orderBy('created_at').orderBy('name').execute();
}

export function findServiceCredential(db: Kysely<Database>, id: string): Promise<ServiceCredentialRow | undefined> {
  return db.selectFrom('service_credentials').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The credential with this id, or else with this name (names never look like ids). */
export function findServiceCredentialByIdOrName(
  db: Kysely<Database>,
  idOrName: string,
): Promise<ServiceCredentialRow | undefined> {
  return db
    .selectFrom('service_credentials')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
}

/** Marks a live credential revoked; undefined when it was already revoked (or does not exist). */
export function revokeServiceCredential(
  db: Kysely<Database>,
  id: string,
  at: Date,
): Promise<ServiceCredentialRow | undefined> {
  return db
    .updateTable('service_credentials')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}
