import type { Insertable, Kysely } from 'kysely';

import type { Database, PasskeyRow, PasskeysTable, WebAuthnChallengeRow, WebAuthnChallengesTable } from './database.js';

export function listPasskeys(db: Kysely<Database>, userId: string): Promise<PasskeyRow[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

export async function hasPasskey(db: Kysely<Database>, userId: string): Promise<boolean> {
  const row = await db.selectFrom('passkeys').select('id').where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

/** A passkey by its credential id, locked until the transaction ends (its counter is about to be compared). */
export function findPasskeyForUpdate(db: Kysely<Database>, id: string): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Stores a new passkey; false when this credential id is already registered (to anyone). */
export async function insertPasskey(db: Kysely<Database>, passkey: Insertable<PasskeysTable>): Promise<boolean> {
  const row = await db
    .insertInto('passkeys')
    .values(passkey)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** After an accepted assertion: the counter it reported, and when. */
export async function recordPasskeyUse(
  db: Kysely<Database>,
  id: string,
  use: { counter: number; backedUp: boolean; at: Date },
): Promise<void> {
  await db
    .updateTable('passkeys')
    .set({ counter: use.counter, backed_up: use.backedUp, last_used_at: use.at })
    .where('id', '=', id)
    .execute();
}

/** Deletes one of the user's passkeys: undefined when they have none with this id. */
export function deletePasskey(db: Kysely<Database>, userId: string, id: string): Promise<PasskeyRow | undefined> {
  return db.deleteFrom('passkeys').where('user_id', '=', userId).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Removes every passkey of a user (a lost device, `resetMfa`); returns how many there were. */
export async function deletePasskeys(db: Kysely<Database>, userId: string): Promise<number> {
  const rows = await db.deleteFrom('passkeys').where('user_id', '=', userId).returning('id').execute();
  return rows.length;
}

export async function insertWebAuthnChallenge(
  db: Kysely<Database>,
  challenge: Insertable<WebAuthnChallengesTable>,
): Promise<void> {
  await db.insertInto('webauthn_challenges').values(challenge).execute();
}

/**
 * Uses a ceremony's challenge up: deleted whatever comes of the answer, so that it is signed for once. Undefined
 * when it is unknown, expired, already used, or was issued for something else.
 */
export function consumeWebAuthnChallenge(
  db: Kysely<Database>,
  challenge: string,
  expected: { purpose: WebAuthnChallengeRow['purpose']; now: Date },
): Promise<WebAuthnChallengeRow | undefined> {
  return db
    .deleteFrom('webauthn_challenges')
    .where('challenge', '=', challenge)
    .where('purpose', '=', expected.purpose)
    .where('expires_at', '>', expected.now)
    .returningAll()
    .executeTakeFirst();
}
