import type { Config } from '../config.js';

/**
 * `smtp`: mail is sent to SMTP_URL. `dev-outbox`: outside production with no SMTP_URL, mail is kept and shown at
 * `/dev/outbox`. `off`: production with no SMTP_URL; features that need mail refuse with `MailUnavailableError` (errors.ts).
 */
export type MailMode = 'smtp' | 'dev-outbox' | 'off';

export function mailModeOf(config: Pick<Config, 'nodeEnv' | 'smtpUrl'>): MailMode {
  if (config.smtpUrl) return 'smtp';
  return config.nodeEnv === 'production' ? 'off' : 'dev-outbox';
}

/** Whether this server can deliver mail (or, outside production, keep it in the development outbox). */
export function mailEnabled(config: Pick<Config, 'nodeEnv' | 'smtpUrl'>): boolean {
  return mailModeOf(config) !== 'off';
}
