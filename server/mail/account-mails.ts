import type { OutgoingMail } from '../db/mail-outbox.repository.js';
import { composeMail, mailLink } from './compose-mail.js';

/** The `action` of each link in mail, as the front end at APP_URL reads it from `#action=…&token=…`. */
export const MAIL_LINK_ACTIONS = { verifyEmail: 'verify-email', resetPassword: 'reset-password' } as const;

interface LinkMail {
  to: string;
  username: string;
  appUrl: string;
  token: string;
  ttlSeconds: number;
}

export function verificationMail({ to, username, appUrl, token, ttlSeconds }: LinkMail): OutgoingMail {
  return composeMail({
    to,
    subject: 'Confirm your email address',
    paragraphs: [`Hello ${username},`, `Confirm that ${to} is your address to finish setting up your account.`],
    action: { label: 'Confirm my address', url: mailLink(appUrl, MAIL_LINK_ACTIONS.verifyEmail, token) },
    footer: `The link works once, for ${describeDuration(ttlSeconds)}. If you did not ask for this, ignore this mail.`,
  });
}

export function passwordResetMail({ to, username, appUrl, token, ttlSeconds }: LinkMail): OutgoingMail {
  return composeMail({
    to,
    subject: 'Reset your password',
    paragraphs: [
      `Hello ${username},`,
      'Someone (we hope you) asked to reset the password of your account. Choose a new one with the link below: ' +
        'every device logged in to your account will be logged out.',
    ],
    action: { label: 'Choose a new password', url: mailLink(appUrl, MAIL_LINK_ACTIONS.resetPassword, token) },
    footer:
      `The link works once, for ${describeDuration(ttlSeconds)}. If you did not ask for this, ignore this mail: ` +
      'your password stays as it is.',
  });
}

/** To the address being replaced, so that a change made by someone else does not go unnoticed. */
export function emailChangeNotice({ to, username, newEmail }: { to: string; username: string; newEmail: string }) {
  return composeMail({
    to,
    subject: 'Your email address is being changed',
    paragraphs: [
      `Hello ${username},`,
      `Someone logged in to your account asked to change its email address from ${to} to ${newEmail}. The change ` +
        'takes effect when the new address is confirmed.',
      'If this was not you, change your password at once: that ends every session of your account.',
    ],
  });
}

/** "30 minutes", "24 hours", "2 days": what a reader expects, rounded down to the largest whole unit. */
export function describeDuration(seconds: number): string {
  const units: [string, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [name, size] of units) {
    if (seconds >= size && seconds % size === 0) return plural(seconds / size, name);
  }
  return seconds >= 60 ? plural(Math.floor(seconds / 60), 'minute') : plural(seconds, 'second');
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
