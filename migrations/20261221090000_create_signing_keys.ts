import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app.
//
// The key ring of asymmetric access-token signing (JWT_ALGORITHM=ES256 or RS256). Each key is named by its `kid`
// (the RFC 7638 thumbprint of its public key), keeps its public key as a JWK for /.well-known/jwks.json, and its
// private key sealed with AES-256-GCM under KEY_ENCRYPTION_KEY (never in clear). `activates_at` is when it starts
// signing: published before that for KEY_PUBLISH_DELAY, so every verifier's cached key set holds it first. A key
// stops verifying once its successor has signed for longer than an access token lives.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (col) => col.primaryKey())
    .addColumn('algorithm', 'text', (col) => col.notNull().check(sql`algorithm in ('ES256', 'RS256')`))
    .addColumn('public_jwk', 'jsonb', (col) => col.notNull())
    .addColumn('private_key_sealed', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('activates_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('signing_keys_activates_at_idx').on('signing_keys').column('activates_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('signing_keys').execute();
}
