import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { enqueueMail } from '../../server/db/mail-outbox.repository.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { startMailDelivery } from '../../server/mail/mail-delivery.js';
import { mailEnabled } from '../../server/mail/mail-settings.js';
import { SMTP_PASSWORD, startSmtpSink } from '../helpers/smtp-sink.js';
import { PRODUCTION_ENV } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTestServer } from '../helpers/test-server.js';

const migrated = async (database: TestDatabase) => {
  await migrateToLatest(database.db);
  return database.db;
};

const production = { ...PRODUCTION_ENV };

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  return { lines, logger };
}

describe('mail configuration', () => {
  it('defaults outside production: the development outbox, links to this server’s demo page', () => {
    const config = loadConfig({ HOST: '0.0.0.0', PORT: '4100' });
    expect(config).toMatchObject({
      smtpUrl: undefined,
      mailFrom: 'Tessera <no-reply@localhost>',
      appUrl: 'http://localhost:4100/demo/',
    });
    expect(mailEnabled(config)).toBe(true);
  });

  it('needs APP_URL in production when SMTP_URL is set; without SMTP_URL mail is off', () => {
    expect(() => loadConfig({ ...production, SMTP_URL: 'smtps://u:p@smtp.example.com' })).toThrow(/APP_URL/);
    const sending = loadConfig({ ...production, SMTP_URL: 'smtps://u:p@mail.test', APP_URL: 'https://app.test/' });
    expect(mailEnabled(sending)).toBe(true);
    const off = loadConfig(production);
    expect(off.appUrl).toBeUndefined();
    expect(mailEnabled(off)).toBe(false);
  });

  it('refuses an SMTP_URL that is not smtp(s) without echoing it', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://user:hunter2@mail.test' })).toThrow(/SMTP_URL must be/);
    try {
      loadConfig({ SMTP_URL: 'http://user:hunter2@mail.test' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('says once at start that mail is off in production without SMTP_URL', async () => {
    const { lines, logger } = capturingLogger();
    const database = await createTestDatabase();
    try {
      expect(await startMailDelivery(loadConfig(production), database, logger)).toBeUndefined();
      expect(lines.join('')).toContain('Mail is off');
    } finally {
      await database.close();
    }
  });

  it('a server with SMTP_URL sends committed mail from MAIL_FROM', async () => {
    const sink = await startSmtpSink();
    const server = await startTestServer({ SMTP_URL: sink.url, MAIL_FROM: 'Accounts <accounts@tessera.test>' });
    try {
      await enqueueMail(server.database.db, { to: 'a@example.com', subject: 'Hi', text: 'Hi', html: '<p>Hi</p>' });
      const [received] = await sink.waitForMails(1);
      expect(received!.from?.text).toBe('"Accounts" <accounts@tessera.test>');
    } finally {
      await server.close();
      await sink.stop();
    }
  });

  it('logs where mail goes and that it went, never the SMTP password', async () => {
    const sink = await startSmtpSink();
    const { lines, logger } = capturingLogger();
    const database = await createTestDatabase();
    const sender = await startMailDelivery(
      loadConfig({ SMTP_URL: sink.url, LOG_LEVEL: 'debug' }),
      { ...database, db: await migrated(database) },
      logger,
    );
    try {
      await enqueueMail(database.db, { to: 'a@example.com', subject: 'Hi', text: 'Hi', html: '<p>Hi</p>' });
      await sink.waitForMails(1);
      await sender!.idle();
      const log = lines.join('');
      expect(log).toContain('Mail goes to SMTP');
      expect(log).toContain('Mail sent');
      expect(log).not.toContain(SMTP_PASSWORD);
    } finally {
      await sender!.stop();
      await database.close();
      await sink.stop();
    }
  });
});
