import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app.
//
// An admin can disable an account: it cannot log in or refresh until enabled again. `disabled_at` says since when
// (kept while disabled, cleared on enable); the check keeps the two columns from disagreeing.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('disabled', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('disabled_at', 'timestamptz')
    .execute();
  await db.schema
    .alterTable('users')
    .addCheckConstraint('users_disabled_at_check', sql`disabled = (disabled_at is not null)`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropConstraint('users_disabled_at_check').execute();
  await db.schema.alterTable('users').dropColumn('disabled_at').dropColumn('disabled').execute();
}
