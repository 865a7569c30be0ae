import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../../server/config.js';
import { pruneNow } from '../../server/maintenance/pruning.js';
import { registerUser } from '../helpers/accounts.js';
import { testClock, type TestClock } from '../helpers/account-mail.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertEvents } from './audit-http.js';

const DAY = 24 * 3600 * 1000;

let app: TestApp;
let clock: TestClock;
beforeAll(async () => {
  // The events' clock starts 100 days ago; the test moves it on.
  clock = testClock(Date.now() - 100 * DAY);
  app = await createTestApp({}, undefined, { clock });
});
afterAll(() => app.close());

const eventsOf = async (userId: string) =>
  app.database.db
    .selectFrom('auth_events')
    .select(['type', 'occurred_at'])
    .where('user_id', '=', userId)
    .orderBy('occurred_at')
    .execute();

describe('AUDIT_RETENTION', () => {
  it('is 90 days unless set, a duration such as 30d or 1y', () => {
    const retention = (value?: string) =>
      loadConfig({ NODE_ENV: 'test', ...(value === undefined ? {} : { AUDIT_RETENTION: value }) })
        .auditRetentionSeconds;
    expect(retention()).toBe(90 * 24 * 3600);
    expect(retention('30d')).toBe(30 * 24 * 3600);
    expect(retention('1y')).toBe(Math.floor((365.25 * DAY) / 1000));
    expect(retention('3600')).toBe(3600);
    for (const bad of ['soon', '0', '-1d', '0.5s']) {
      expect(() => retention(bad)).toThrow(ConfigError);
    }
    expect(() => retention('soon')).toThrow(/AUDIT_RETENTION must be a duration/);
  });
});

describe('pruning the audit trail', () => {
  it('deletes events older than the retention and keeps newer ones', async () => {
    const old = await registerUser(app); // 100 days ago, by the events' clock
    clock.advance(70 * DAY);
    const recent = await registerUser(app); // 30 days ago
    clock.advance(30 * DAY);
    const today = await registerUser(app);
    for (const user of [old, recent, today]) expect((await eventsOf(user.id)).length).toBeGreaterThan(0);

    // The default, 90 days: only the oldest go.
    const counts = await pruneNow(app.database.db, new Date(clock.now()));
    expect(counts.authEvents).toBeGreaterThanOrEqual((await eventsOf(old.id)).length);
    expect(await eventsOf(old.id)).toEqual([]);
    expect((await eventsOf(recent.id)).length).toBeGreaterThan(0);
    expect((await eventsOf(today.id)).length).toBeGreaterThan(0);

    // A shorter retention (as AUDIT_RETENTION=7d would be), a week on: the events of 30 days ago go as well.
    await pruneNow(app.database.db, new Date(clock.now() + 7 * DAY - 3_600_000), 0, 7 * 24 * 3600);
    expect(await eventsOf(recent.id)).toEqual([]);
    expect((await eventsOf(today.id)).length).toBeGreaterThan(0);
    // Nothing more to do the second time.
    expect((await pruneNow(app.database.db, new Date(clock.now()))).authEvents).toBe(0);
  });

  it('keeps an event past its retention by the clock-skew margin (and JWT_CLOCK_TOLERANCE), never less', async () => {
    const at = new Date(Date.now() - 5 * DAY);
    const [event] = await insertEvents(app, [{ type: 'LOGIN_FAILED', occurredAt: at, detail: { reason: 'X' } }]);
    const exists = async () =>
      (await app.database.db.selectFrom('auth_events').select('id').where('id', '=', event!.id).execute()).length === 1;
    const retention = 24 * 3600; // a day
    const dueAt = at.getTime() + retention * 1000;

    // Exactly at its due time, and 30 s after: kept (the margin is a minute).
    await pruneNow(app.database.db, new Date(dueAt), 0, retention);
    await pruneNow(app.database.db, new Date(dueAt + 30_000), 0, retention);
    expect(await exists()).toBe(true);
    // With a clock tolerance of 5 minutes, 2 minutes past is still within it.
    await pruneNow(app.database.db, new Date(dueAt + 120_000), 300, retention);
    expect(await exists()).toBe(true);
    // Past the margin: gone.
    const counts = await pruneNow(app.database.db, new Date(dueAt + 120_000), 0, retention);
    expect(counts.authEvents).toBe(1);
    expect(await exists()).toBe(false);
  });

  it('a retention longer than anything recorded deletes nothing', async () => {
    const user = await registerUser(app);
    const counts = await pruneNow(app.database.db, new Date(clock.now()), 0, 1000 * 365 * 24 * 3600);
    expect(counts.authEvents).toBe(0);
    expect((await eventsOf(user.id)).length).toBeGreaterThan(0);
  });
});
