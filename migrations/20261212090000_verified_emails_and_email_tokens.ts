import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app.
//
// Proved email addresses and the single-use secrets that prove them or reset a password. Emails become unique
// without regard to case, like usernames. `email_tokens` holds only a SHA-256 of each token (256 random bits: a
// fast hash is enough, nothing to guess); a token is deleted when used, voided by a newer one of its kind, and pruned
// once expired. `email` is the address the token was sent to: for a change of address, the new one, which becomes
// the account's only when the token is used.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('email_verified', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();

  // Two accounts that share an address in different cases cannot both keep it: say which, rather than fail on the
  // index with Postgres's words, and let the operator choose (nothing is changed behind their back).
  const { rows } = await sql<{ email: string; count: string }>`
    select lower(email) as email, count(*) as count from users
    where email is not null group by lower(email) having count(*) > 1 limit 5`.execute(db);
  if (rows.length > 0) {
    throw new Error(
      'Emails are now unique without regard to case, and several accounts share one: ' +
        `${rows.map((row) => `${row.email} (${row.count} accounts)`).join(', ')}. ` +
        'Change or clear all but one of each, then migrate again.',
    );
  }
  await db.schema
    .createIndex('users_email_lower_key')
    .on('users')
    .unique()
    .expression(sql`lower(email)`)
    .where(sql.ref('email'), 'is not', null)
    .execute();

  await db.schema
    .createTable('email_tokens')
    .addColumn('token_hash', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (col) => col.notNull().check(sql`purpose in ('verify_email', 'reset_password')`))
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('email_tokens_user_idx').on('email_tokens').columns(['user_id', 'purpose']).execute();
  await db.schema.createIndex('email_tokens_expires_at_idx').on('email_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_tokens').execute();
  await db.schema.dropIndex('users_email_lower_key').execute();
  await db.schema.alterTable('users').dropColumn('email_verified').execute();
}
