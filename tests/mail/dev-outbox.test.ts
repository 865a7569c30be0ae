import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { enqueueMail } from '../../server/db/mail-outbox.repository.js';
import { composeMail, mailLink } from '../../server/mail/compose-mail.js';
import { createTestApp, type TestApp, PRODUCTION_ENV } from '../helpers/test-app.js';
import { startTestServer } from '../helpers/test-server.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  await enqueueMail(app.database.db, { to: 'a@example.com', subject: 'Older', text: 'first', html: '<p>first</p>' });
  await new Promise((resolve) => setTimeout(resolve, 5)); // distinct created_at
  await enqueueMail(app.database.db, {
    to: 'b@example.com',
    subject: 'Newer <script>alert(1)</script>',
    text: 'second & last',
    html: '<p>second</p>',
  });
});
afterAll(() => app.close());

const outbox = (accept: string) => app.yoga.fetch('http://localhost/dev/outbox', { headers: { accept } });

describe('the development outbox', () => {
  it('lists mail newest first as an escaped HTML page', async () => {
    const response = await outbox('text/html');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('Newer &#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page).toContain('second &#38; last');
    expect(page.indexOf('Newer')).toBeLessThan(page.indexOf('Older'));
  });

  it('answers JSON when asked for application/json', async () => {
    const response = await outbox('application/json');
    expect(response.headers.get('content-type')).toContain('application/json');
    const { mails } = (await response.json()) as { mails: { to: string; subject: string; status: string }[] };
    expect(mails.map((mail) => mail.to)).toEqual(['b@example.com', 'a@example.com']);
    expect(mails[1]).toMatchObject({ subject: 'Older', text: 'first', html: '<p>first</p>', status: 'pending' });
  });

  it('does not exist in production', async () => {
    const production = await createTestApp({ ...PRODUCTION_ENV });
    try {
      const response = await production.yoga.fetch('http://localhost/dev/outbox', {
        headers: { accept: 'application/json' },
      });
      expect(response.status).toBe(404);
    } finally {
      await production.close();
    }
  });

  it('keeps the mail of a running server without SMTP_URL (kept, never sent)', async () => {
    const server = await startTestServer();
    try {
      const message = composeMail({
        to: 'c@example.com',
        subject: 'Confirm',
        paragraphs: ['Hello <Ada>,'],
        action: { label: 'Confirm', url: mailLink('http://localhost:4000/demo/', 'verify-email', 'abc/+=') },
      });
      await enqueueMail(server.database.db, message);
      const kept = async () =>
        (await server.database.db.selectFrom('mail_outbox').select('status').executeTakeFirst())?.status;
      const deadline = Date.now() + 5_000;
      while ((await kept()) !== 'kept' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(await kept()).toBe('kept');
      const response = await fetch(`${server.url}/dev/outbox`, { headers: { accept: 'application/json' } });
      const { mails } = (await response.json()) as { mails: { status: string; text: string }[] };
      expect(mails[0]!.status).toBe('kept');
      expect(mails[0]!.text).toContain('http://localhost:4000/demo/#action=verify-email&token=abc%2F%2B%3D');
    } finally {
      await server.close();
    }
  });
});

describe('composeMail', () => {
  it('writes the same content as text and as escaped HTML, the token in the link fragment', () => {
    const link = mailLink('https://app.example.com/account?lang=en', 'reset-password', 'tok');
    expect(link).toBe('https://app.example.com/account?lang=en#action=reset-password&token=tok');
    const message = composeMail({
      to: 'a@example.com',
      subject: 'Reset',
      paragraphs: ['Hello "Ada" <ada>,'],
      action: { label: 'Choose a new password', url: link },
      footer: 'Valid for 1 hour.',
    });
    expect(message.text).toBe(`Hello "Ada" <ada>,\n\nChoose a new password:\n${link}\n\nValid for 1 hour.\n`);
    expect(message.html).toContain('<p>Hello &#34;Ada&#34; &#60;ada&#62;,</p>');
    expect(message.html).toContain(
      '<a href="https://app.example.com/account?lang=en#action=reset-password&#38;token=tok">',
    );
  });
});
