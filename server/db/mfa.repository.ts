import { sql, type Kysely } from 'kysely';

import type { Database, MfaChallengeRow, MfaChallengesTable, MfaFactorRow } from './database.js';
import type { Insertable } from 'kysely';

/** Starts an enrolment: the user's unconfirmed factor of this kind (there is at most one) is replaced. */
export async function replaceUnconfirmedFactor(
  db: Kysely<Database>,
  factor: { id: string; userId: string; secretSealed: string },
): Promise<void> {
  await db
    .deleteFrom('mfa_factors')
    .where('user_id', '=', factor.userId)
    .where('kind', '=', 'totp')
    .where('confirmed_at', 'is', null)
    .execute();
  await db
    .insertInto('mfa_factors')
    .values({ id: factor.id, user_id: factor.userId, kind: 'totp', secret_sealed: factor.secretSealed })
    .execute();
}

/** The user's TOTP factor, confirmed (on) or not (an enrolment in progress), locked until the transaction ends. */
export function findTotpFactorForUpdate(
  db: Kysely<Database>,
  userId: string,
  state: 'confirmed' | 'unconfirmed',
): Promise<MfaFactorRow | undefined> {
  return db
    .selectFrom('mfa_factors')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', 'totp')
    .where('confirmed_at', state === 'confirmed' ? 'is not' : 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

/** Turns an enrolment on, with the time step of the code that confirmed it (so that code cannot be used again). */
export async function confirmFactor(db: Kysely<Database>, id: string, step: number): Promise<void> {
  await db
    .updateTable('mfa_factors')
    .set({ confirmed_at: sql<Date>`now()`, last_used_step: step })
    .where('id', '=', id)
    .execute();
}

/**
 * Records that a code of this time step was accepted, unless one of this step or a later one already was: false
 * then (a replay). One statement, so of two requests with the same code exactly one gets true.
 */
export async function advanceFactorStep(db: Kysely<Database>, id: string, step: number): Promise<boolean> {
  const row = await db
    .updateTable('mfa_factors')
    .set({ last_used_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function hasConfirmedFactor(db: Kysely<Database>, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('mfa_factors')
    .select('id')
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

export async function countRecoveryCodes(db: Kysely<Database>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('mfa_recovery_codes')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The user's recovery codes become these (hashes); every older one stops working. */
export async function replaceRecoveryCodes(db: Kysely<Database>, userId: string, hashes: string[]): Promise<void> {
  await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('mfa_recovery_codes')
    .values(hashes.map((hash) => ({ user_id: userId, code_hash: hash })))
    .execute();
}

/** Uses a recovery code up (deleted): true when it was the user's and unused. */
export async function consumeRecoveryCode(db: Kysely<Database>, userId: string, hash: string): Promise<boolean> {
  const row = await db
    .deleteFrom('mfa_recovery_codes')
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .returning('code_hash')
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes every factor, recovery code and pending challenge of a user; returns how many factors there were. */
export async function deleteSecondFactors(db: Kysely<Database>, userId: string): Promise<number> {
  const factors = await db.deleteFrom('mfa_factors').where('user_id', '=', userId).returning('id').execute();
  await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('mfa_challenges').where('user_id', '=', userId).execute();
  return factors.length;
}

export async function insertChallenge(db: Kysely<Database>, challenge: Insertable<MfaChallengesTable>): Promise<void> {
  await db.insertInto('mfa_challenges').values(challenge).execute();
}

/** A challenge that is unexpired and has not taken too many wrong codes, locked until the transaction ends. */
export function findLiveChallenge(
  db: Kysely<Database>,
  hash: string,
  live: { now: Date; maxFailures: number; lock?: boolean },
): Promise<MfaChallengeRow | undefined> {
  const query = db
    .selectFrom('mfa_challenges')
    .selectAll()
    .where('challenge_hash', '=', hash)
    .where('expires_at', '>', live.now)
    .where('failed_attempts', '<', live.maxFailures);
  return (live.lock ? query.forUpdate() : query).executeTakeFirst();
}

/** Counts a wrong code against a challenge; returns how many it has taken now. */
export async function recordChallengeFailure(db: Kysely<Database>, hash: string): Promise<number> {
  const row = await db
    .updateTable('mfa_challenges')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('challenge_hash', '=', hash)
    .returning('failed_attempts')
    .executeTakeFirstOrThrow();
  return row.failed_attempts;
}

/** Uses a challenge up. */
export async function deleteChallenge(db: Kysely<Database>, hash: string): Promise<void> {
  await db.deleteFrom('mfa_challenges').where('challenge_hash', '=', hash).execute();
}
