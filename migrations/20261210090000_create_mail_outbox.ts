import { sql, type Kysely } from 'kysely';

// Frozen in time: Kysely<any>, no imports from the app.
//
// The durable outbox: a mail is inserted in the transaction that commits the token it carries, and a background
// sender delivers it (see server/mail/mail-sender.ts). `status` is `pending` until it is `sent`, `kept` (the
// development outbox: stored and shown, never sent) or `failed` (given up after the last attempt; kept for the
// operator). A sender claims a pending mail by setting `locked_until` (its lease); a sender that dies mid-send lets
// the lease run out and another sends the mail again. `next_attempt_at` null means "due at once".
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('recipient', 'text', (col) => col.notNull())
    .addColumn('subject', 'text', (col) => col.notNull())
    .addColumn('text_body', 'text', (col) => col.notNull())
    .addColumn('html_body', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addCheckConstraint('mail_outbox_status_check', sql`status in ('pending', 'sent', 'kept', 'failed')`)
    .execute();
  // What the sender looks for: only pending mail, so the index stays as small as the queue.
  await db.schema
    .createIndex('mail_outbox_pending_idx')
    .on('mail_outbox')
    .column('created_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_outbox').execute();
}
