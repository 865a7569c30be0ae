import { createTransport } from 'nodemailer';

import type { OutgoingMail } from '../db/mail-outbox.repository.js';

/** Where the sender hands a mail. */
export interface MailTransport {
  /** True for the development outbox: the mail stays in the table (`kept`), shown at `/dev/outbox`, never sent. */
  readonly keepsMail: boolean;
  /** Resolves once the SMTP server has accepted the mail; rejects with a `MailTransportError`. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** A failed send, with a message safe to store and log: the SMTP URL's credentials never appear in it. */
export class MailTransportError extends Error {
  override name = 'MailTransportError';
}

const MAX_ERROR_LENGTH = 500;

/**
 * Sends through the SMTP server of `smtpUrl` (`smtp://user:pass@host:587` upgrades with STARTTLS when offered;
 * `smtps://` is TLS from the start), from `from`. Timeouts are short so that a hung server cannot hold a mail past
 * the sender's lease.
 */
export function smtpTransport(smtpUrl: string, from: string): MailTransport {
  const transporter = createTransport(
    { url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from },
  );
  const secrets = credentialsOf(smtpUrl);
  return {
    keepsMail: false,
    async send(mail) {
      try {
        await transporter.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
      } catch (error) {
        throw new MailTransportError(safeMessage(error, secrets));
      }
    },
    close: () => transporter.close(),
  };
}

/** The development outbox: nothing leaves the machine. */
export const outboxTransport: MailTransport = { keepsMail: true, send: async () => {}, close: () => {} };

function credentialsOf(smtpUrl: string): string[] {
  const url = new URL(smtpUrl);
  return [url.password, decodeURIComponent(url.password)].filter((secret) => secret.length > 0);
}

function safeMessage(error: unknown, secrets: readonly string[]): string {
  const { message, code } = error as { message?: unknown; code?: unknown };
  let text = typeof message === 'string' && message ? message : String(error);
  if (typeof code === 'string' && !text.includes(code)) text = `${code}: ${text}`;
  for (const secret of secrets) text = text.split(secret).join('[redacted]');
  return text.slice(0, MAX_ERROR_LENGTH);
}
