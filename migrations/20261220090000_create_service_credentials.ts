import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app.
//
// Service credentials: what another service presents (HTTP Basic) to introspect tokens and follow the revocation
// feed. The id is public, like a username; only the secret's SHA-256 is kept. A secret is 32 random bytes, so a
// fast hash is enough: there is no dictionary to try it against. A revoked credential stays (its name too), so that
// `service list` can still say when it was revoked.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('service_credentials')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .addColumn('secret_hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_credentials').execute();
}
