import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';

/**
 * End-to-end tests of the editor. `browser`: browser mode (the server of `npm run serve`, started
 * by e2e/global-setup.ts) in the system's Chromium, since Playwright's own browsers cannot be
 * downloaded here. `electron`: the same specs in the desktop app, listed only where the electron
 * package has its binary and the app's main bundle is built.
 */
const chromium = process.env['SDE_E2E_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * The Electron binary if it is installed. Read from the package's path.txt rather than through
 * `require('electron')`, which starts a download when the binary is missing.
 */
function electronBinary(): string | null {
  const pkg = join(import.meta.dirname, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const dist = process.env['ELECTRON_OVERRIDE_DIST_PATH'] ?? join(pkg, 'dist');
  const binary = join(dist, rel);
  return existsSync(binary) ? binary : null;
}

const electronMain = process.env['SDE_E2E_ELECTRON_MAIN'] ?? 'dist/app/main.mjs';
const projects: PlaywrightTestConfig['projects'] = [
  {
    name: 'browser',
    use: {
      browserName: 'chromium',
      headless: true,
      viewport: { width: 1440, height: 900 },
      launchOptions: {
        ...(existsSync(chromium) ? { executablePath: chromium } : {}),
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      },
    },
  },
];
const electron = electronBinary();
if (electron && existsSync(electronMain)) {
  projects.push({ name: 'electron', metadata: { electron, electronMain } });
}

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  globalSetup: './e2e/global-setup.ts',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: { screenshot: 'only-on-failure', trace: 'retain-on-failure' },
  projects,
});
