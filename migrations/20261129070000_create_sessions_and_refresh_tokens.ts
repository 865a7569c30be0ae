import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app.
export async function up(db: Kysely<any>): Promise<void> {
  // One login on one device. It owns a chain of refresh tokens and every access token that carries its id (`sid`).
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    // When the session ends if its refresh token is not used: the current refresh token's expiry.
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    // SESSION_MAX_AGE after creation; no amount of refreshing moves it.
    .addColumn('absolute_expires_at', 'timestamptz', (col) => col.notNull())
    // The latest expiry of any access token minted for the session: until then a revoked session must stay known.
    .addColumn('access_expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_reason', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();

  // Every refresh token a session was given, stored only as a SHA-256 hash. Spent ones are kept until they expire,
  // so that presenting one again is recognised as reuse.
  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'text', (col) => col.primaryKey())
    .addColumn('session_id', 'uuid', (col) => col.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('issued_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('spent_at', 'timestamptz')
    // The token that replaced this one by rotation (null while unspent, or when spent by a password change).
    .addColumn('successor_hash', 'text')
    // The access token issued beside this refresh token, so that a repeat within the grace window gets the same pair.
    .addColumn('access_token_claims', 'jsonb', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('refresh_tokens_session_id_idx').on('refresh_tokens').column('session_id').execute();
  await db.schema.createIndex('refresh_tokens_expires_at_idx').on('refresh_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('refresh_tokens').execute();
  await db.schema.dropTable('sessions').execute();
}
