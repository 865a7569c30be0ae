import { randomUUID } from 'node:crypto';

import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';

import type { Database, MailOutboxTable, MailStatus } from './database.js';

type MailOutboxRow = Selectable<MailOutboxTable>;

/** The channel a committed enqueue NOTIFYs, so that senders wake at once instead of at their next poll. */
export const MAIL_OUTBOX_CHANNEL = 'tessera_mail_outbox';

/** One mail as it is stored: both parts are written in full, ready to send. */
export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface ClaimedMail extends OutgoingMail {
  readonly id: string;
  /** Counting this one. */
  readonly attempts: number;
}

export interface OutboxEntry extends OutgoingMail {
  readonly id: string;
  readonly status: MailStatus;
  readonly createdAt: Date;
  readonly attempts: number;
  readonly sentAt: Date | null;
  readonly lastError: string | null;
}

/**
 * Adds a mail to the outbox in the caller's transaction: it commits with whatever token it carries, and a rollback
 * takes it away unsent. The NOTIFY is delivered only on commit, and wakes the senders of every process.
 */
export async function enqueueMail(db: Kysely<Database>, mail: OutgoingMail): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('mail_outbox')
    .values({ id, recipient: mail.to, subject: mail.subject, text_body: mail.text, html_body: mail.html })
    .execute();
  await sql`select pg_notify(${MAIL_OUTBOX_CHANNEL}, '')`.execute(db);
  return id;
}

/**
 * Takes up to `limit` due mails for one sender, oldest first, and leases them until `leaseUntil`. One statement:
 * `FOR UPDATE SKIP LOCKED` lets senders in other processes claim other rows at the same moment, never the same ones.
 */
export async function claimDueMails(
  db: Kysely<Database>,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<ClaimedMail[]> {
  const rows = await db
    .updateTable('mail_outbox')
    .set({ locked_until: leaseUntil, attempts: sql`attempts + 1` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('mail_outbox')
        .select('id')
        .where('status', '=', 'pending')
        .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now)]))
        .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
        .orderBy('created_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'recipient', 'subject', 'text_body', 'html_body', 'attempts'])
    .execute();
  return rows.map((row) => ({ ...storedMail(row), attempts: row.attempts }));
}

/** Delivered (`sent`), or stored for the development outbox (`kept`). */
export function markMailDone(db: Kysely<Database>, id: string, status: 'sent' | 'kept', at: Date) {
  return settleClaim(db, id, { status, sent_at: at, last_error: null });
}

export function scheduleMailRetry(db: Kysely<Database>, id: string, nextAttemptAt: Date, error: string) {
  return settleClaim(db, id, { next_attempt_at: nextAttemptAt, last_error: error });
}

export function markMailFailed(db: Kysely<Database>, id: string, error: string) {
  return settleClaim(db, id, { status: 'failed', last_error: error });
}

/** Ends a sender's claim on a mail still pending, with what came of the attempt. */
async function settleClaim(db: Kysely<Database>, id: string, outcome: Updateable<MailOutboxTable>): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ ...outcome, locked_until: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/** Hands back mails claimed but not tried (a sender stopping): due again at once, the claim not counted. */
export async function releaseMails(db: Kysely<Database>, ids: readonly string[]) {
  if (ids.length === 0) return;
  await db
    .updateTable('mail_outbox')
    .set({ locked_until: null, attempts: sql`attempts - 1` })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

/** The latest mails, newest first (the development outbox page). */
export async function listRecentMails(db: Kysely<Database>, limit: number): Promise<OutboxEntry[]> {
  const rows = await db
    .selectFrom('mail_outbox')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    ...storedMail(row),
    status: row.status,
    createdAt: row.created_at,
    attempts: row.attempts,
    sentAt: row.sent_at,
    lastError: row.last_error,
  }));
}

/** A row's mail, under the names the app uses (`recipient`: `to` is a reserved word in SQL). */
function storedMail(row: Pick<MailOutboxRow, 'id' | 'recipient' | 'subject' | 'text_body' | 'html_body'>) {
  return { id: row.id, to: row.recipient, subject: row.subject, text: row.text_body, html: row.html_body };
}
