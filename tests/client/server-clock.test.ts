import { describe, expect, it } from 'vitest';

import { ServerClock } from '../../client/server-clock.js';

describe('ServerClock', () => {
  it("follows a server whose clock is an hour ahead of this machine's", () => {
    const clock = new ServerClock();
    clock.observe(new Date(Date.now() + 3_600_000).toUTCString());
    expect(clock.now() - Date.now()).toBeGreaterThan(3_598_000);
    expect(clock.now() - Date.now()).toBeLessThan(3_601_000);
  });

  it('ignores sub-second differences the Date header cannot resolve, and bad headers', () => {
    const clock = new ServerClock();
    clock.observe(new Date().toUTCString());
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(50);
    clock.observe('not a date');
    clock.observe(null);
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(50);
  });
});
