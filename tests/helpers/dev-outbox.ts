import { createServer } from 'node:net';

import { startTestServer, type TestServer } from './test-server.js';

/** One mail as `GET /dev/outbox` lists it (JSON). */
export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  status: string;
}

/** A link from mail into the front end (`<APP_URL>#action=…&token=…`). */
export interface MailLink {
  /** The whole link, as the mail's text part shows it. */
  href: string;
  action: 'verify-email' | 'reset-password';
  token: string;
}

/** The mail a running server keeps in its development outbox, newest first. */
export async function outboxMails(serverUrl: string): Promise<OutboxMail[]> {
  const response = await fetch(`${serverUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /dev/outbox answered ${response.status}`);
  return ((await response.json()) as { mails: OutboxMail[] }).mails;
}

/** The links into the front end in a mail's text part. */
export function mailLinksIn(text: string): MailLink[] {
  return (text.match(/https?:\/\/[^\s<>"]+/g) ?? []).flatMap((href) => {
    const fragment = new URLSearchParams(new URL(href).hash.slice(1));
    const action = fragment.get('action');
    const token = fragment.get('token');
    if ((action !== 'verify-email' && action !== 'reset-password') || !token) return [];
    return [{ href, action, token }];
  });
}

/**
 * The link of the newest mail to `to` (without regard to case) for `action`, waiting for it: a password reset's mail
 * is queued after the server has answered. `excluding` skips links already used (to wait for a newer mail).
 */
export async function waitForMailLink(
  serverUrl: string,
  to: string,
  action: MailLink['action'],
  { excluding = [], timeoutMs = 10_000 }: { excluding?: string[]; timeoutMs?: number } = {},
): Promise<MailLink> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await outboxMails(serverUrl);
    const link = mails
      .filter((mail) => mail.to.toLowerCase() === to.toLowerCase())
      .flatMap((mail) => mailLinksIn(mail.text))
      .find((candidate) => candidate.action === action && !excluding.includes(candidate.token));
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`No ${action} mail to ${to} in /dev/outbox after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many mails to `to` the outbox holds. */
export async function mailCountTo(serverUrl: string, to: string): Promise<number> {
  return (await outboxMails(serverUrl)).filter((mail) => mail.to.toLowerCase() === to.toLowerCase()).length;
}

/** A unique address at example.com (the mail limit counts per recipient, so tests do not share one). */
export function uniqueEmail(username: string): string {
  return `${username}@example.com`;
}

/**
 * The test server on a port chosen beforehand instead of port 0, so that the links in its mail (APP_URL defaults to
 * this server's `/demo/` outside production, with the configured port) open this very server.
 */
export async function startTestServerWithMailLinks(env: Record<string, string> = {}): Promise<TestServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startTestServer({ PORT: String(port), ...env });
    } catch (error) {
      // Another process took the port between the check and the listen.
      if ((error as { code?: unknown }).code !== 'EADDRINUSE' || attempt === 3) throw error;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
