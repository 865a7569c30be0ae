import type { Plugin } from 'graphql-yoga';
import type { Kysely } from 'kysely';

import type { Database } from '../db/database.js';
import { listRecentMails, type OutboxEntry } from '../db/mail-outbox.repository.js';
import { escapeHtml } from '../mail/compose-mail.js';
import { answeringAt } from './answering-at.js';

const SHOWN = 50;

/**
 * `GET /dev/outbox`: the latest mails (newest first) as a page, or as JSON for `Accept: application/json`. Never
 * served in production: the mails carry live tokens.
 */
export function useDevOutbox(db: Kysely<Database>): Plugin {
  return {
    onRequest: answeringAt(
      (path) => path === '/dev/outbox',
      async ({ request, endResponse, fetchAPI }) => {
        if (request.method !== 'GET') {
          endResponse(new fetchAPI.Response('Method not allowed', { status: 405, headers: { allow: 'GET' } }));
          return;
        }
        const mails = await listRecentMails(db, SHOWN);
        const headers = { 'cache-control': 'no-store' };
        if ((request.headers.get('accept') ?? '').includes('application/json')) {
          endResponse(fetchAPI.Response.json({ mails }, { headers }));
          return;
        }
        endResponse(
          new fetchAPI.Response(outboxPage(mails), {
            headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
          }),
        );
      },
    ),
  };
}

function outboxPage(mails: readonly OutboxEntry[]): string {
  const items = mails.map(
    (mail) => `<article>
<h2>${escapeHtml(mail.subject)}</h2>
<p>To ${escapeHtml(mail.to)} · ${mail.createdAt.toISOString()} · ${mail.status}${
      mail.lastError ? ` · last error: ${escapeHtml(mail.lastError)}` : ''
    }</p>
<pre>${escapeHtml(mail.text)}</pre>
<details><summary>HTML part</summary><pre>${escapeHtml(mail.html)}</pre></details>
</article>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera development outbox</title></head>
<body>
<h1>Development outbox</h1>
<p>Mail this server would send, newest first (the latest ${SHOWN}). Outside production only.</p>
${items.length > 0 ? items.join('\n') : '<p>No mail yet.</p>'}
</body></html>
`;
}
