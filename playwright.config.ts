import { defineConfig } from '@playwright/test';
import type { StudioFixtureOptions } from './e2e/fixtures';

/**
 * End-to-end tests of the renderer against the real engine.
 *
 * Web mode (always): each test starts `semimoe serve` on a free port with its own project folder
 * (e2e/fixtures.ts) and drives Debian's Chromium (`npx playwright install` cannot download
 * browsers here). The renderer must be built first; global-setup.ts builds it when it is
 * missing or older than its sources.
 *
 * Electron (later, where its binary is installed): add a project
 *   { name: 'electron', use: { studioMode: 'electron' } }
 * and implement the 'electron' branch of the `studio` fixture with `_electron.launch()`; the
 * specs only use the `studio` fixture and the page it gives, so they run unchanged.
 */
export default defineConfig<StudioFixtureOptions>({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  outputDir: 'test-results/e2e',
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
      ],
    },
  },
  projects: [{ name: 'chromium-web', use: { browserName: 'chromium', studioMode: 'web' } }],
});
