import { existsSync } from 'node:fs';

import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether browser tests can run. CI installs Chromium and sets REQUIRE_BROWSER=1, so there a missing browser fails
 * the run instead of skipping the tests.
 */
export function browserAvailable(): boolean {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.REQUIRE_BROWSER) throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing`);
  return available;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
