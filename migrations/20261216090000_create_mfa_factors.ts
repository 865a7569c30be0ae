import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app.
//
// Second factors. `mfa_factors` holds a user's TOTP authenticator: its secret sealed with AES-256-GCM (never in
// clear), and the last time step a code was accepted for, so a code is refused when replayed within its window. An
// unconfirmed factor is an enrolment in progress; a user has at most one confirmed TOTP factor.
// `mfa_recovery_codes` keeps only a SHA-256 of each code (50 random bits, single use: nothing to crack offline in
// useful time, and each is deleted when used). `mfa_challenges` is the pending second step of a login: a SHA-256 of
// its 256-bit secret, what it accepts, how the login began, and how many wrong codes it has taken.
// Sessions now keep how and when their user proved who they are (`amr`, space-separated RFC 8176 values, and
// `auth_time`), so that every access token a refresh mints says it too. Sessions opened before say `pwd` at their
// creation.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mfa_factors')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('totp')`))
    .addColumn('secret_sealed', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('last_used_step', 'integer')
    .execute();
  await db.schema.createIndex('mfa_factors_user_idx').on('mfa_factors').column('user_id').execute();
  await db.schema
    .createIndex('mfa_factors_one_confirmed_key')
    .on('mfa_factors')
    .unique()
    .columns(['user_id', 'kind'])
    .where(sql.ref('confirmed_at'), 'is not', null)
    .execute();

  await db.schema
    .createTable('mfa_recovery_codes')
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('mfa_recovery_codes_pkey', ['user_id', 'code_hash'])
    .execute();

  await db.schema
    .createTable('mfa_challenges')
    .addColumn('challenge_hash', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('methods', 'text', (col) => col.notNull())
    .addColumn('login_method', 'text', (col) => col.notNull())
    .addColumn('amr', 'text', (col) => col.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('failed_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('mfa_challenges_user_idx').on('mfa_challenges').column('user_id').execute();
  await db.schema.createIndex('mfa_challenges_expires_at_idx').on('mfa_challenges').column('expires_at').execute();

  await db.schema
    .alterTable('sessions')
    .addColumn('amr', 'text', (col) => col.notNull().defaultTo('pwd'))
    .addColumn('auth_time', 'timestamptz')
    .execute();
  await sql`update sessions set auth_time = created_at`.execute(db);
  await db.schema
    .alterTable('sessions')
    .alterColumn('auth_time', (col) => col.setNotNull())
    .execute();
  await db.schema
    .alterTable('sessions')
    .alterColumn('auth_time', (col) => col.setDefault(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('auth_time').dropColumn('amr').execute();
  await db.schema.dropTable('mfa_challenges').execute();
  await db.schema.dropTable('mfa_recovery_codes').execute();
  await db.schema.dropTable('mfa_factors').execute();
}
