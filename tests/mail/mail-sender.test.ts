import { Writable } from 'node:stream';

import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { postgresConnection } from '../../server/db/connect.js';
import type { Database } from '../../server/db/database.js';
import { claimDueMails, enqueueMail, type OutgoingMail } from '../../server/db/mail-outbox.repository.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import type { ListenFn } from '../../server/db/notifications.js';
import { createLogger } from '../../server/logger.js';
import { startMailSender, type MailSender, type MailSenderOptions } from '../../server/mail/mail-sender.js';
import { smtpTransport, type MailTransport } from '../../server/mail/mail-transport.js';
import { SMTP_PASSWORD, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

const FROM = 'Tessera Test <no-reply@tessera.test>';
const RETRY_BASE_MS = 30_000;

let database: TestDatabase;
let sink: SmtpSink;
const logs: string[] = [];
const logger = createLogger(
  'debug',
  new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  }),
);
/** Moved by the tests instead of sleeping through backoff and leases. */
const clock = { time: Date.now(), now: () => clock.time };
const senders: MailSender[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateToLatest(database.db);
  sink = await startSmtpSink();
});
afterEach(async () => {
  for (const sender of senders.splice(0)) await sender.stop();
  await database.db.deleteFrom('mail_outbox').execute();
  sink.mails.length = 0;
});
afterAll(async () => {
  await sink.stop();
  await database.close();
});

/** A sender that only wakes on NOTIFY or when told: the poll is an hour away. */
async function startSender(options: Partial<MailSenderOptions> = {}): Promise<MailSender> {
  const sender = await startMailSender({
    db: database.db,
    transport: smtpTransport(sink.url, FROM),
    logger,
    clock,
    listen: database.listen,
    pollIntervalMs: 3_600_000,
    retryBaseMs: RETRY_BASE_MS,
    ...options,
  });
  senders.push(sender);
  return sender;
}

const mail = (subject: string): OutgoingMail => ({
  to: 'ada@example.com',
  subject,
  text: `Text of ${subject}`,
  html: `<p>HTML of ${subject}</p>`,
});

const outbox = (db: Kysely<Database> = database.db) =>
  db.selectFrom('mail_outbox').selectAll().orderBy('created_at').execute();

async function until(condition: () => Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('Timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the mail sender', () => {
  it('sends a committed mail at once, with a text and an HTML part, from MAIL_FROM', async () => {
    await startSender();
    await database.db.transaction().execute((trx) => enqueueMail(trx, mail('Welcome')));

    const [received] = await sink.waitForMails(1, 2_000);
    expect(received!.subject).toBe('Welcome');
    expect(received!.from?.text).toBe('"Tessera Test" <no-reply@tessera.test>');
    expect(received!.to).toMatchObject({ text: 'ada@example.com' });
    expect(received!.text?.trim()).toBe('Text of Welcome');
    expect(received!.html).toContain('<p>HTML of Welcome</p>');
    await until(async () => (await outbox())[0]?.status === 'sent');
    expect((await outbox())[0]).toMatchObject({ attempts: 1, locked_until: null, last_error: null });
  });

  it('never sends a mail whose transaction rolled back', async () => {
    const sender = await startSender();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await enqueueMail(trx, mail('Rolled back'));
        throw new Error('the token was not saved');
      }),
    ).rejects.toThrow('the token was not saved');
    await enqueueMail(database.db, mail('Committed'));

    await sink.waitForMails(1);
    sender.wake();
    await sender.idle();
    expect(sink.mails.map((received) => received.subject)).toEqual(['Committed']);
    expect((await outbox()).map((row) => row.subject)).toEqual(['Committed']);
  });

  it('keeps a mail through an SMTP outage and sends it once when SMTP is back', async () => {
    const sender = await startSender();
    await sink.stop();
    await enqueueMail(database.db, mail('Through the outage'));
    await until(async () => (await outbox())[0]?.last_error != null);
    await sender.idle();
    const [failed] = await outbox();
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, locked_until: null });
    expect(failed!.next_attempt_at!.getTime()).toBe(clock.time + RETRY_BASE_MS);
    expect(failed!.last_error).toMatch(/ECONNREFUSED/);
    expect(logs.join('')).not.toContain(SMTP_PASSWORD);

    await sink.start();
    sender.wake(); // not due yet
    await sender.idle();
    expect(sink.mails).toHaveLength(0);

    clock.time += RETRY_BASE_MS;
    sender.wake();
    await sink.waitForMails(1);
    clock.time += 24 * 3_600_000;
    sender.wake();
    await sender.idle();
    expect(sink.mails.map((received) => received.subject)).toEqual(['Through the outage']);
    expect((await outbox())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('gives a mail up after its last attempt, keeping it as failed', async () => {
    const sender = await startSender({ maxAttempts: 2 });
    await sink.stop();
    try {
      await enqueueMail(database.db, mail('Undeliverable'));
      await until(async () => (await outbox())[0]?.attempts === 1 && (await outbox())[0]?.last_error != null);
      clock.time += RETRY_BASE_MS;
      sender.wake();
      await until(async () => (await outbox())[0]?.status === 'failed');
      expect((await outbox())[0]).toMatchObject({ attempts: 2, locked_until: null, sent_at: null });
      expect(logs.join('')).toContain('Mail given up after its last attempt');
    } finally {
      await sink.start();
    }
  });

  it('resumes after a restart: what a stopped sender had claimed goes out at once with the next', async () => {
    let releaseFirst!: () => void;
    const firstSent = new Promise<void>((resolve) => (releaseFirst = resolve));
    const smtp = smtpTransport(sink.url, FROM);
    const slow: MailTransport = {
      keepsMail: false,
      send: async (outgoing) => {
        await firstSent;
        await smtp.send(outgoing);
      },
      close: () => smtp.close(),
    };
    await database.db.transaction().execute(async (trx) => {
      for (const subject of ['One', 'Two', 'Three']) await enqueueMail(trx, mail(subject));
    });
    const first = await startSender({ transport: slow, batchSize: 3 });
    await until(async () => (await outbox()).every((row) => row.locked_until !== null));
    const stopping = first.stop();
    releaseFirst();
    await stopping;
    expect(sink.mails).toHaveLength(1);

    const second = await startSender();
    await sink.waitForMails(3);
    await second.idle(); // the last one is marked once its SMTP exchange has ended
    expect(sink.mails.map((received) => received.subject).sort()).toEqual(['One', 'Three', 'Two']);
    expect((await outbox()).map((row) => [row.status, row.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
  });

  it('sends again what a process killed mid-send had claimed, once its lease has run out (at least once)', async () => {
    await enqueueMail(database.db, mail('Orphaned'));
    const leaseMs = 60_000;
    // A process claims the mail and dies before marking it.
    await claimDueMails(database.db, new Date(clock.time), new Date(clock.time + leaseMs), 10);

    const sender = await startSender({ leaseMs });
    await sender.idle();
    expect(sink.mails).toHaveLength(0);

    clock.time += leaseMs;
    sender.wake();
    await sink.waitForMails(1);
    await sender.idle(); // the row is marked once its SMTP exchange has ended
    expect((await outbox())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it.runIf(testDriver === 'postgres')('sends each mail once with two senders on one database', async () => {
    const other = postgresConnection(database.url!);
    try {
      const otherListen: ListenFn = other.listen;
      await startSender({ batchSize: 2 });
      await startSender({ batchSize: 2, db: other.db, listen: otherListen });
      const subjects = Array.from({ length: 20 }, (_, index) => `Mail ${index}`);
      await database.db.transaction().execute(async (trx) => {
        for (const subject of subjects) await enqueueMail(trx, mail(subject));
      });

      await sink.waitForMails(20);
      for (const sender of senders) sender.wake();
      await Promise.all(senders.map((sender) => sender.idle()));
      expect(sink.mails.map((received) => received.subject).sort()).toEqual([...subjects].sort());
      const rows = await outbox();
      expect(rows.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
    } finally {
      for (const sender of senders.splice(0)) await sender.stop();
      await other.close();
    }
  });
});
