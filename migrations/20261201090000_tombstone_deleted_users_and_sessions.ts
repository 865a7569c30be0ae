import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app. The channel name and the payload format below are what
// server/auth/revocation-events.ts decodes; they are written out here because a migration must not change when the
// app does.
//
// A deleted user or session is a revocation, however the row goes: through the API, the CLI, `ON DELETE CASCADE`, a
// `delete` or a `truncate` typed by hand. Triggers do what the app would do for a revocation, in the deleting
// transaction:
//
// - record a tombstone that outlives the row for as long as an access token it refuses can be accepted, because a
//   process (re)loading its state, and the database-mode check, can no longer learn of the row from the row;
// - NOTIFY `tessera_revocations` with `{ id, events }`, delivered on commit, so every process applies it to its
//   memory (and none hears of a deletion that was rolled back).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tombstones')
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('session', 'user')`))
    .addColumn('id', 'uuid', (col) => col.notNull())
    // After this no access token the tombstone refuses can be live; pruning removes it then (less clock tolerance).
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('tombstones_pkey', ['kind', 'id'])
    .execute();
  await db.schema.createIndex('tombstones_expires_at_idx').on('tombstones').column('expires_at').execute();

  // A session: until its `access_expires_at`, the latest expiry of any access token minted for it. The event is the
  // one a revoked session sends. One statement-level trigger per delete, reading the deleted rows as a transition
  // table, so a mass delete sends one notice per 50 sessions (about 5 KB, under NOTIFY's 8000 bytes) rather than
  // one per row.
  //
  // Pruning deletes only sessions whose every access token expired before a bound it has proven safe (now, less
  // JWT_CLOCK_TOLERANCE and a skew margin), and says so with the transaction-local setting `tessera.prune_before`:
  // those rows guard nothing, so they leave no tombstone and send no notice. Any other delete leaves one for every
  // row (an already expired tombstone is pruned on the next run).
  await sql`
    create function tessera_tombstone_deleted_sessions() returns trigger language plpgsql
      -- The schema the migration ran in, whatever the deleting session's search_path.
      set search_path from current as $$
    declare
      guards_after timestamptz :=
        coalesce(nullif(current_setting('tessera.prune_before', true), '')::timestamptz, '-infinity');
      notice json;
    begin
      insert into tombstones (kind, id, expires_at)
        select 'session', id, access_expires_at from deleted_sessions where access_expires_at >= guards_after
        on conflict (kind, id) do update set expires_at = greatest(tombstones.expires_at, excluded.expires_at);
      for notice in
        select json_build_object(
                 'id', gen_random_uuid(),
                 'events', json_agg(json_build_object(
                   'type', 'session',
                   'sessionId', id,
                   'until', ceil(extract(epoch from access_expires_at) * 1000)::bigint)))
          from (
            select id, access_expires_at, (row_number() over () - 1) / 50 as batch
              from deleted_sessions where access_expires_at >= guards_after
          ) as numbered
          group by batch
      loop
        perform pg_notify('tessera_revocations', notice::text);
      end loop;
      return null;
    end
    $$
  `.execute(db);
  await sql`
    create trigger tombstone_deleted_sessions after delete on sessions
      referencing old table as deleted_sessions
      for each statement execute function tessera_tombstone_deleted_sessions()
  `.execute(db);

  // A user: until the latest `access_expires_at` of its sessions (at least now). Every token names a session of its
  // user, so those sessions' own tombstones (their cascade fires the trigger above) already refuse every token; the
  // user's tombstone says "this user is gone" outright, whatever `sid` a token carries, and lets a process drop the
  // user's token version. SQL cannot know ACCESS_TOKEN_TTL or JWT_CLOCK_TOLERANCE (and neither is bounded), so the
  // lifetime comes from the sessions, which record what was minted, rather than from a fixed guess.
  //
  // It runs BEFORE the delete because the cascade has removed the sessions by the time an AFTER trigger on users
  // runs. `for update` locks them first (the delete locks them anyway, in the same order), so a refresh in flight
  // commits its later expiry before it is read. The NOTIFY is still delivered only if the delete commits.
  await sql`
    create function tessera_tombstone_deleted_user() returns trigger language plpgsql
      -- The schema the migration ran in, whatever the deleting session's search_path.
      set search_path from current as $$
    declare
      guards_until timestamptz;
    begin
      select greatest(now(), max(access_expires_at)) into guards_until
        from (select access_expires_at from sessions where user_id = old.id for update) as own_sessions;
      insert into tombstones (kind, id, expires_at) values ('user', old.id, guards_until)
        on conflict (kind, id) do update set expires_at = greatest(tombstones.expires_at, excluded.expires_at);
      perform pg_notify('tessera_revocations', json_build_object(
        'id', gen_random_uuid(),
        'events', json_build_array(json_build_object(
          'type', 'user-deleted',
          'userId', old.id,
          'until', ceil(extract(epoch from guards_until) * 1000)::bigint)))::text);
      return old;
    end
    $$
  `.execute(db);
  await sql`
    create trigger tombstone_deleted_user before delete on users
      for each row execute function tessera_tombstone_deleted_user()
  `.execute(db);

  // TRUNCATE fires no delete trigger. Before it runs, the rows are deleted instead (the table is already locked),
  // so the triggers above see every one; the truncate then finds the table empty.
  await sql`
    create function tessera_delete_before_truncate() returns trigger language plpgsql as $$
    begin
      execute format('delete from %I.%I', tg_table_schema, tg_table_name);
      return null;
    end
    $$
  `.execute(db);
  for (const table of ['users', 'sessions']) {
    await sql`
      create trigger ${sql.id(`tombstone_truncated_${table}`)} before truncate on ${sql.table(table)}
        for each statement execute function tessera_delete_before_truncate()
    `.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger tombstone_truncated_sessions on sessions`.execute(db);
  await sql`drop trigger tombstone_truncated_users on users`.execute(db);
  await sql`drop function tessera_delete_before_truncate()`.execute(db);
  await sql`drop trigger tombstone_deleted_user on users`.execute(db);
  await sql`drop function tessera_tombstone_deleted_user()`.execute(db);
  await sql`drop trigger tombstone_deleted_sessions on sessions`.execute(db);
  await sql`drop function tessera_tombstone_deleted_sessions()`.execute(db);
  await db.schema.dropTable('tombstones').execute();
}
