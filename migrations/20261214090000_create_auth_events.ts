import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app.
//
// The audit trail: one row per auth event (server/events/). `user_id` and `session_id` are not foreign keys: the
// trail outlives what it tells of. When a user is deleted, however the row goes (API, CLI, by hand), a trigger takes
// the personal data out of their events (address, user agent, and the names and addresses in `detail`) and keeps
// their shape: what happened, and when.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_events')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('user_id', 'uuid')
    .addColumn('session_id', 'uuid')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('detail', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  // Newest first, for everyone (admins) and per user ("recent security activity"); `id` breaks ties for the cursor.
  await db.schema.createIndex('auth_events_occurred_idx').on('auth_events').columns(['occurred_at', 'id']).execute();
  await db.schema
    .createIndex('auth_events_user_idx')
    .on('auth_events')
    .columns(['user_id', 'occurred_at', 'id'])
    .execute();

  await sql`
    create function anonymize_auth_events_of_deleted_user() returns trigger language plpgsql as $$
    begin
      update auth_events
        set ip = null, user_agent = null, detail = detail - 'username' - 'email' - 'newEmail' - 'oldEmail'
        where user_id = old.id;
      return old;
    end $$`.execute(db);
  await sql`
    create trigger anonymize_auth_events_of_deleted_user after delete on users
    for each row execute function anonymize_auth_events_of_deleted_user()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger anonymize_auth_events_of_deleted_user on users`.execute(db);
  await sql`drop function anonymize_auth_events_of_deleted_user()`.execute(db);
  await db.schema.dropTable('auth_events').execute();
}
