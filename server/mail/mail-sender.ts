import type { Kysely } from 'kysely';

import { systemClock, type Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import {
  claimDueMails,
  MAIL_OUTBOX_CHANNEL,
  markMailDone,
  markMailFailed,
  releaseMails,
  scheduleMailRetry,
  type ClaimedMail,
} from '../db/mail-outbox.repository.js';
import type { ListenFn, NotificationListener } from '../db/notifications.js';
import type { Logger } from '../logger.js';
import { MailTransportError, type MailTransport } from './mail-transport.js';

export interface MailSenderOptions {
  db: Kysely<Database>;
  transport: MailTransport;
  logger: Logger;
  /** Decides what is due, when a lease ends and when a retry comes. */
  clock?: Clock;
  /** Wakes the sender when any process commits a mail (NOTIFY); without it, polling alone. */
  listen?: ListenFn;
  /** The fallback when a notification is missed. */
  pollIntervalMs?: number;
  /** How long a claimed mail is this sender's; past it (the process died mid-send), another sends it again. */
  leaseMs?: number;
  batchSize?: number;
  /** Attempts before a mail is given up (`failed`, kept in the table, logged as an error). */
  maxAttempts?: number;
  /** The first retry's delay, doubled on each further failure up to `retryCapMs`. */
  retryBaseMs?: number;
  retryCapMs?: number;
}

export interface MailSender {
  /** Looks for due mail now (after an enqueue committed in this process, or a test moving the clock). */
  wake(): void;
  /** Resolves when a pass is done and nothing woke the sender since: for tests. */
  idle(): Promise<void>;
  /** Stops after the mail being sent; mails claimed but not tried are released to be sent by the next sender. */
  stop(): Promise<void>;
}

export const MAIL_SENDER_DEFAULTS = {
  pollIntervalMs: 5_000,
  leaseMs: 2 * 60_000,
  batchSize: 10,
  // 30 s doubling to an hour: about 13 hours of SMTP outage before a mail is given up.
  maxAttempts: 20,
  retryBaseMs: 30_000,
  retryCapMs: 60 * 60_000,
};

/**
 * The background sender of the durable outbox. Delivery is at least once: a mail is claimed in a short statement,
 * sent outside any transaction, then marked; a process that dies between the send and the mark leaves the lease to
 * run out, and the mail goes again. With several senders on one database each claim is exclusive (SKIP LOCKED), so
 * apart from that crash window each mail goes out once.
 */
export async function startMailSender(options: MailSenderOptions): Promise<MailSender> {
  const settings = { ...MAIL_SENDER_DEFAULTS, ...definedOnly(options) };
  const { db, transport, logger } = options;
  const clock = options.clock ?? systemClock;
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;

  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        wake();
      }
    });
  };

  async function pass() {
    try {
      for (;;) {
        const now = clock.now();
        const batch = await claimDueMails(db, new Date(now), new Date(now + settings.leaseMs), settings.batchSize);
        for (const [index, mail] of batch.entries()) {
          if (stopped) {
            await releaseMails(
              db,
              batch.slice(index).map((claimed) => claimed.id),
            );
            return;
          }
          await deliver(mail);
        }
        if (batch.length < settings.batchSize || stopped) return;
      }
    } catch (error) {
      // The database, not SMTP: the leases run out and the next pass (or another process) tries again.
      logger.error({ err: error }, 'The mail sender could not read or update the outbox');
    }
  }

  async function deliver(mail: ClaimedMail) {
    let failure: string | undefined;
    try {
      await transport.send(mail);
    } catch (error) {
      failure = error instanceof MailTransportError ? error.message : 'The mail transport failed';
    }
    const now = clock.now();
    if (failure === undefined) {
      await markMailDone(db, mail.id, transport.keepsMail ? 'kept' : 'sent', new Date(now));
      logger.info({ mailId: mail.id, attempts: mail.attempts }, transport.keepsMail ? 'Mail kept' : 'Mail sent');
    } else if (mail.attempts >= settings.maxAttempts) {
      await markMailFailed(db, mail.id, failure);
      logger.error(
        { mailId: mail.id, attempts: mail.attempts, error: failure },
        'Mail given up after its last attempt',
      );
    } else {
      const delay = Math.min(settings.retryCapMs, settings.retryBaseMs * 2 ** (mail.attempts - 1));
      await scheduleMailRetry(db, mail.id, new Date(now + delay), failure);
      logger.warn({ mailId: mail.id, attempts: mail.attempts, retryInMs: delay, error: failure }, 'Mail not sent');
    }
  }

  let listener: NotificationListener | undefined;
  if (options.listen) {
    try {
      listener = await options.listen(
        MAIL_OUTBOX_CHANNEL,
        // Connected (again): anything committed meanwhile was not announced, so look.
        { onNotification: wake, onConnected: wake, onDisconnected: () => {} },
        { heartbeatIntervalMs: 30_000 },
      );
    } catch (error) {
      logger.warn({ err: error }, 'Mail notifications are unavailable; the mail sender polls');
    }
  }
  const timer = setInterval(wake, settings.pollIntervalMs);
  timer.unref();
  wake();

  return {
    wake,
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await listener?.close();
      await running;
      transport.close();
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
