import { existsSync } from 'node:fs';

import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

import { PASSWORD } from './accounts.js';

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

/** The demo page's status line: 'Not logged in.' or 'Logged in as <username>.' */
export const demoStatus = (page: Page) => page.locator('#status').textContent();

/** Registers through the demo page's form and waits until the page shows the new user logged in. */
export async function registerOnDemoPage(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username', { exact: true }).first().fill(username);
  await page.getByLabel('Password (at least 8 characters)').fill(PASSWORD);
  await page.getByRole('button', { name: 'Register' }).click();
  await expect.poll(() => demoStatus(page)).toBe(`Logged in as ${username}.`);
}
