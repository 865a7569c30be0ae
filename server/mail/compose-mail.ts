import type { OutgoingMail } from '../db/mail-outbox.repository.js';

/** What a mail says: a greeting or first line, paragraphs, and at most one button-like link. */
export interface MailContent {
  to: string;
  subject: string;
  paragraphs: readonly string[];
  action?: { label: string; url: string };
  /** Said after the link, e.g. how long it is valid and what to do if the mail was not expected. */
  footer?: string;
}

/**
 * Builds both parts of a mail from the same content: plain text for every client, HTML with every value escaped.
 *
 * @example
 * composeMail({
 *   to: user.email,
 *   subject: 'Confirm your email address',
 *   paragraphs: [`Hello ${user.username},`, 'Confirm this address to finish setting up your account.'],
 *   action: { label: 'Confirm my address', url: mailLink(appUrl, 'verify-email', token) },
 *   footer: 'The link is valid for 24 hours. If you did not ask for this, ignore this mail.',
 * });
 */
export function composeMail(content: MailContent): OutgoingMail {
  const textBlocks = [...content.paragraphs];
  const htmlBlocks = content.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`);
  if (content.action) {
    textBlocks.push(`${content.action.label}:\n${content.action.url}`);
    htmlBlocks.push(
      `<p><a href="${escapeHtml(content.action.url)}">${escapeHtml(content.action.label)}</a></p>`,
      `<p>Or paste this address into your browser:<br>${escapeHtml(content.action.url)}</p>`,
    );
  }
  if (content.footer) {
    textBlocks.push(content.footer);
    htmlBlocks.push(`<p><small>${escapeHtml(content.footer)}</small></p>`);
  }
  return {
    to: content.to,
    subject: content.subject,
    text: `${textBlocks.join('\n\n')}\n`,
    html: `<!doctype html>\n<html><body>\n${htmlBlocks.join('\n')}\n</body></html>\n`,
  };
}

/**
 * A link into the front end at APP_URL for `action`, carrying `token`. Both go in the fragment (`#action=…&token=…`):
 * a browser never sends the fragment to a server, so the token stays out of access logs, proxies and the `Referer`
 * header of whatever the page loads; the front end reads it and posts it to the API.
 */
export function mailLink(appUrl: string, action: string, token: string): string {
  const url = new URL(appUrl);
  url.hash = new URLSearchParams({ action, token }).toString();
  return url.toString();
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
