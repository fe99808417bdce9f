import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive the real UI in Debian's Chromium against a real `coconut serve` host
 * with real engine processes. Playwright's own browser download is not used.
 */
export default defineConfig({
  testDir: 'e2e',
  timeout: 240_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    launchOptions: {
      executablePath: process.env.COCONUT_CHROMIUM ?? '/usr/bin/chromium',
      // Without these, Chromium's background connections are refused many at a time on a closed network.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    viewport: { width: 1400, height: 900 },
    trace: 'retain-on-failure',
  },
});
