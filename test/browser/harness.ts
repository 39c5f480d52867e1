/// <reference lib="dom" />
/**
 * What the browser tests share: the console app built from its sources, the whole system started
 * by the dev launcher on its own ports, database, Redis prefix and Kafka prefix (as
 * test/e2e/system.test.ts does), Debian's Chromium driven by playwright-core, axe-core and
 * screenshots under .stratus/test-output/screenshots.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bootstrapOrganization, hashPassword, type BootstrapResult } from '@stratus/auth';
import { ensureConsoleBuilt, launchChromium, root } from './chromium.ts';
import { createTestDatabase, createTestKafka, createTestRedis, eventually, launcherEnv, type TestDatabase, type TestKafka, type TestRedis } from '@stratus/testing';

export { ensureConsoleBuilt, launchChromium, root };
export const screenshotDir = join(root, '.stratus/test-output/screenshots');


export interface RunningSystem {
  consoleUrl: string;
  /** The services' own APIs with the bootstrap token: the test's view of what the console should show. */
  serviceApi: <T>(service: Service, path: string, init?: { method?: string; body?: unknown }) => Promise<T>;
  /** Where a service listens, for calls with another token than the bootstrap's. */
  serviceUrl: (service: Service) => string;
  bootstrap: BootstrapResult;
  database: TestDatabase;
  redis: TestRedis;
  output: () => string;
  stop: () => Promise<void>;
}

/** Ports of scripts/dev/services.json, in order, then the console. */
export const SERVICES = ['ingestion', 'cost', 'recommendation', 'action-executor', 'audit', 'console'] as const;
type Service = (typeof SERVICES)[number];

/** With demoResources, the launcher links three simulated accounts of that size, as scripts/dev.sh does. */
export async function startSystem(options: { demoResources?: number; adminEmail: string; adminPassword: string }): Promise<RunningSystem> {
  const portBase = 20_000 + (process.pid % 1000) * 10;
  const database = await createTestDatabase();
  const kafka: TestKafka = createTestKafka();
  const redis = createTestRedis();
  const bootstrap = await bootstrapOrganization(database.owner, { organizationName: 'Browser tests', adminEmail: options.adminEmail, adminName: 'Ada Admin' });
  await database.owner.updateTable('users').set({ password_hash: await hashPassword(options.adminPassword) }).where('id', '=', bootstrap.user.id).execute();
  const demo: Record<string, string> = {};
  if (options.demoResources !== undefined) {
    // The launcher seeds the demo accounts (simulated fleets with their costs) with this token.
    const tokenFile = join(tmpdir(), `stratus-browser-${process.pid}.token`);
    writeFileSync(tokenFile, bootstrap.token.token, { mode: 0o600 });
    Object.assign(demo, { STRATUS_DEMO_TOKEN_FILE: tokenFile, STRATUS_DEMO_RESOURCES: String(options.demoResources) });
  }
  let output = '';
  const launcher: ChildProcessWithoutNullStreams = spawn(process.execPath, ['scripts/dev/launch.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...launcherEnv({ database, redis, kafka, portBase }),
      ...demo,
      CREDENTIALS_KEYS: `browser:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'warn',
    },
  });
  launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      launcher.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (launcher.exitCode === null) launcher.kill('SIGKILL');
    }
    await kafka.cleanup();
    await redis.cleanup();
    await database.drop();
  };
  try {
    await eventually(() => expect(output).toContain('Stratus is running'), { timeoutMs: 120_000, intervalMs: 250 });
  } catch (error) {
    await stop();
    throw new Error(`the system did not come up:\n${output.slice(-4000)}`, { cause: error });
  }
  const serviceUrl = (service: Service) => `http://127.0.0.1:${portBase + SERVICES.indexOf(service)}`;
  return {
    consoleUrl: serviceUrl('console'),
    serviceUrl,
    async serviceApi<T>(service: Service, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
      const response = await fetch(`${serviceUrl(service)}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${bootstrap.token.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });
      if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${service} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    bootstrap,
    database,
    redis,
    output: () => output,
    stop,
  };
}


/**
 * The tests share a 2-core machine with the whole system (and, on a workstation, whatever else
 * runs): a person's patience, not a benchmark's, bounds each wait.
 */
export const POLL = { timeout: 90_000, interval: 250 };

export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(POLL.timeout);
  return context;
}

const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's WCAG 2 A/AA rules on the page as it is: the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(', ')})`);
}

/** Every page the tests visit: a screenshot to look at, and no serious accessibility problem. */
export async function checkPage(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
  const violations = await seriousViolations(page);
  expect(violations, `axe-core on ${name}:\n${violations.join('\n')}`).toEqual([]);
}

/** Without a consoleUrl, on the sign-in page the browser is already on (which may carry ?next=). */
export async function signIn(page: Page, consoleUrl: string | undefined, credentials: { email: string; password: string }): Promise<void> {
  if (consoleUrl !== undefined) await page.goto(`${consoleUrl}/sign-in`);
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password', { exact: true }).fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Follows a link of the main navigation, as a person does (no page load). */
export async function openPage(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
}
