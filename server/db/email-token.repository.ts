import { sql, type Kysely, type Selectable } from 'kysely';

import type { Database, EmailTokenPurpose, EmailTokensTable } from './database.js';

export type EmailTokenRow = Selectable<EmailTokensTable>;

/**
 * Stores a new token of this purpose for the user and voids every older one of the same purpose (with `sameEmail`,
 * only those sent to the same address): only the latest mail's link works.
 */
export async function replaceEmailToken(
  db: Kysely<Database>,
  token: { tokenHash: string; userId: string; purpose: EmailTokenPurpose; email: string; expiresAt: Date },
  voids: 'all' | 'sameEmail' = 'all',
): Promise<void> {
  let older = db.deleteFrom('email_tokens').where('user_id', '=', token.userId).where('purpose', '=', token.purpose);
  if (voids === 'sameEmail') older = older.where(sql<string>`lower(email)`, '=', token.email.toLowerCase());
  await older.execute();
  await db
    .insertInto('email_tokens')
    .values({
      token_hash: token.tokenHash,
      user_id: token.userId,
      purpose: token.purpose,
      email: token.email,
      expires_at: token.expiresAt,
    })
    .execute();
}

/** A live token of this purpose, without using it up (to check what it is for before the work that uses it). */
export function findEmailToken(
  db: Kysely<Database>,
  tokenHash: string,
  purpose: EmailTokenPurpose,
  now: Date,
): Promise<EmailTokenRow | undefined> {
  return db
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/**
 * Uses a live token up: deleted in the caller's transaction, so of two requests with the same token exactly one gets
 * the row (the other waits on the row lock, then finds nothing). Undefined when unknown, used, voided or expired.
 */
export function consumeEmailToken(
  db: Kysely<Database>,
  tokenHash: string,
  purpose: EmailTokenPurpose,
  now: Date,
): Promise<EmailTokenRow | undefined> {
  return db
    .deleteFrom('email_tokens')
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

/** Voids a user's tokens of one purpose (or of every purpose). */
export async function deleteEmailTokens(
  db: Kysely<Database>,
  userId: string,
  purpose?: EmailTokenPurpose,
): Promise<void> {
  let query = db.deleteFrom('email_tokens').where('user_id', '=', userId);
  if (purpose) query = query.where('purpose', '=', purpose);
  await query.execute();
}

/** Whether a live token of this purpose was sent to this address (a reminder is then not needed). */
export async function hasLiveEmailToken(
  db: Kysely<Database>,
  userId: string,
  purpose: EmailTokenPurpose,
  email: string,
  now: Date,
): Promise<boolean> {
  const row = await db
    .selectFrom('email_tokens')
    .select('token_hash')
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * After a password change: every reset link, and every pending change of address (a verification link to another
 * address than the account's), is void. A link proving the current address stays.
 */
export async function voidEmailTokensOnPasswordChange(
  db: Kysely<Database>,
  userId: string,
  currentEmail: string | null,
): Promise<void> {
  await db
    .deleteFrom('email_tokens')
    .where('user_id', '=', userId)
    .where((eb) =>
      eb.or([
        eb('purpose', '=', 'reset_password'),
        currentEmail === null ? eb.lit(true) : eb(sql<string>`lower(email)`, '!=', currentEmail.toLowerCase()),
      ]),
    )
    .execute();
}
