import type { Config } from '../config.js';
import type { DatabaseConnection } from '../db/connect.js';
import type { Logger } from '../logger.js';
import { startMailSender, type MailSender } from './mail-sender.js';
import { mailModeOf } from './mail-settings.js';
import { outboxTransport, smtpTransport } from './mail-transport.js';

/**
 * Starts the sender the configuration asks for: to SMTP_URL, into the development outbox, or none (production
 * without SMTP_URL, said once here). Never logs the SMTP URL, which holds a password.
 */
export async function startMailDelivery(
  config: Config,
  connection: DatabaseConnection,
  logger: Logger,
): Promise<MailSender | undefined> {
  const mode = mailModeOf(config);
  if (mode === 'off') {
    logger.warn('Mail is off: SMTP_URL is not set, so features that send mail answer that they are unavailable');
    return undefined;
  }
  if (mode === 'smtp') {
    const { protocol, hostname, port } = new URL(config.smtpUrl!);
    logger.info({ smtpHost: hostname, smtpPort: port || undefined, tls: protocol === 'smtps:' }, 'Mail goes to SMTP');
  } else {
    logger.info('Mail is kept in the development outbox at /dev/outbox (SMTP_URL is not set)');
  }
  return startMailSender({
    db: connection.db,
    transport: mode === 'smtp' ? smtpTransport(config.smtpUrl!, config.mailFrom) : outboxTransport,
    logger,
    listen: connection.listen,
  });
}
