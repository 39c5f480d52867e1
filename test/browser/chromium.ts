/**
 * Debian's Chromium driven by playwright-core, and the console app built from its sources: what
 * the browser tests and the console's benchmark share (no test runner here, so a benchmark can
 * import it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const root = new URL('../../', import.meta.url).pathname;
const web = join(root, 'services/console/web');

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/** Builds the app when its dist is missing or older than any of its sources. */
export function ensureConsoleBuilt(): void {
  const built = join(web, 'dist/index.html');
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((entry) => newestChange(join(web, entry)));
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources)) return;
  execFileSync('pnpm', ['--filter', '@stratus/console-web', 'build'], { cwd: root, stdio: 'pipe' });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
  });
}
