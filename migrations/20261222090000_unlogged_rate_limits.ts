import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app. Rate-limit counts are written on every login and every
// limited mutation; kept out of the write-ahead log, those writes wait for no disk flush. A crash empties the table
// (Postgres truncates unlogged tables in recovery), which forgets recent attempts: a window's worth of guesses, once.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table rate_limits set unlogged`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table rate_limits set logged`.execute(db);
}
