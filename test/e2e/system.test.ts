/**
 * The whole system as a user runs it: the launcher behind scripts/dev.sh starts all six services
 * against a fresh database, each answers /readyz (which checks PostgreSQL, Redis and Kafka for
 * real), an API token made by the CLI reads organisation data, a person signed in to the console reads
 * it through the console's gateway, one trace follows a request across
 * services, /metrics parses, and SIGINT stops everything cleanly.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization, hashPassword } from '@stratus/auth';
import { fromUnits, toUnits, type ImportBreakdown, type ImportBreakdownEntry } from '@stratus/db';
import {
  createTestDatabase,
  createTestKafka,
  createTestRedis,
  eventually,
  launcherEnv,
  parsePrometheus,
  type TestDatabase,
  type TestKafka,
  type TestRedis,
} from '@stratus/testing';
import { consolidatedExport, sumsBy, type ExportRow } from './consolidated-export.ts';

const root = new URL('../../', import.meta.url).pathname;
const portBase = 18_000 + (process.pid % 1000) * 10;
const names = ['ingestion', 'cost', 'recommendation', 'action-executor', 'audit', 'console'];

let database: TestDatabase;
let kafka: TestKafka;
let redis: TestRedis;
let launcher: ChildProcessWithoutNullStreams;
let output = '';
let token: string;
const CONSOLE_PASSWORD = 'an e2e console password';

/** The stratus CLI as a user runs it against the launched system. */
function stratusCli(...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(`${root}packages/cli/bin/stratus`, args, { env: { ...process.env, STRATUS_URL: `http://127.0.0.1:${portBase}`, STRATUS_TOKEN: token } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** The cost API's totals of the period per account and service, keyed `account|service`. */
async function breakdownByAccountAndService(start: string, end: string): Promise<Map<string, string>> {
  const response = await fetch(`http://127.0.0.1:${portBase + 1}/v1/costs/breakdown?group_by=account,service&granularity=total&from=${start}&to=${end}&limit=100`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { items: { group: { account: string; service: string }; amount: string }[] };
  return new Map(body.items.map((item) => [`${item.group.account}|${item.group.service}`, item.amount]));
}

beforeAll(async () => {
  database = await createTestDatabase();
  kafka = createTestKafka();
  redis = createTestRedis();
  const bootstrapped = await bootstrapOrganization(database.owner, {
    organizationName: 'E2E',
    adminEmail: 'admin@e2e.test',
    adminName: 'E2E Admin',
  });
  token = bootstrapped.token.token;
  await database.owner
    .updateTable('users')
    .set({ password_hash: await hashPassword(CONSOLE_PASSWORD) })
    .where('id', '=', bootstrapped.user.id)
    .execute();
  launcher = spawn(process.execPath, ['scripts/dev/launch.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...launcherEnv({ database, redis, kafka, portBase }),
      CREDENTIALS_KEYS: `e2e:${randomBytes(32).toString('base64')}`,
      // The lines of applied events and finished jobs, which the trace test looks for.
      LOG_LEVEL: 'debug',
    },
  });
  launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(() => expect(output).toContain('Stratus is running'), { timeoutMs: 90_000, intervalMs: 250 }).catch(
    (error: unknown) => {
      throw new Error(`the system did not come up:\n${output.slice(-4000)}`, { cause: error });
    },
  );
}, 120_000);

afterAll(async () => {
  if (launcher && launcher.exitCode === null) launcher.kill('SIGKILL');
  await kafka?.cleanup();
  await redis?.cleanup();
  await database?.drop();
});

describe('the running system', () => {
  it('has all six services ready, each checking PostgreSQL, Redis and Kafka', async () => {
    for (const [index, name] of names.entries()) {
      const response = await fetch(`http://127.0.0.1:${portBase + index}/readyz`);
      expect(response.status, name).toBe(200);
      const body = (await response.json()) as { checks: Record<string, string> };
      expect(body.checks).toMatchObject({ postgres: 'ok', redis: 'ok', kafka: 'ok' });
      // Services with consumers are ready only once those are in their group.
      if (name === 'cost' || name === 'audit') expect(body.checks.consumer, name).toBe('ok');
    }
  });

  it('serves organisation data to a valid token and refuses a request without one', async () => {
    const withToken = await fetch(`http://127.0.0.1:${portBase}/v1/resources`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toEqual({ items: [], next_cursor: null });

    const aggregates = await fetch(`http://127.0.0.1:${portBase + 1}/v1/costs/aggregates`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await aggregates.json()).toMatchObject({ monthly: 0, daily: 0 });

    const anonymous = await fetch(`http://127.0.0.1:${portBase + 4}/v1/activity`);
    expect(anonymous.status).toBe(401);
  });

  it("signs a person in to the console, which reads the cost API for them through its gateway, and signs them out", async () => {
    const consoleUrl = `http://127.0.0.1:${portBase + 5}`;
    let cookies: string[] = [];
    const send = async (path: string, init: { method?: string; body?: unknown; csrf?: string } = {}) => {
      const response = await fetch(`${consoleUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          cookie: cookies.join('; '),
          ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}),
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });
      const set = response.headers.getSetCookie().map((line) => line.split(';')[0]!);
      cookies = [...cookies.filter((cookie) => !set.some((line) => line.split('=')[0] === cookie.split('=')[0])), ...set].filter((cookie) => !cookie.endsWith('='));
      return response;
    };
    const { token: csrf } = (await (await send('/auth/csrf')).json()) as { token: string };
    const login = await send('/auth/login', { method: 'POST', body: { email: 'admin@e2e.test', password: CONSOLE_PASSWORD }, csrf });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ user: { email: 'admin@e2e.test', role: 'admin' }, organization: { name: 'E2E' } });
    const aggregates = await send('/api/cost/v1/costs/aggregates');
    expect(aggregates.status).toBe(200);
    expect(await aggregates.json()).toMatchObject({ monthly: 0, daily: 0 });
    expect((await send('/auth/logout', { method: 'POST', csrf })).status).toBe(204);
    expect((await send('/api/cost/v1/costs/aggregates')).status).toBe(401);
  });

  it('shows a linked cloud account in the activity stream, through the outbox and Kafka', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const linked = await fetch(`http://127.0.0.1:${portBase}/v1/cloud-accounts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ provider: 'AWS', account_id: '123456789012', name: 'E2E' }),
    });
    expect(linked.status).toBe(201);
    const { id } = (await linked.json()) as { id: string };

    await eventually(
      async () => {
        const activity = await fetch(`http://127.0.0.1:${portBase + 4}/v1/activity?type=link_account`, { headers });
        expect(await activity.json()).toMatchObject({ items: [{ subject: id, summary: 'Linked AWS account 123456789012 (E2E)' }] });
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  it('links, syncs, lists and imports costs with the stratus CLI, and the costs reach the cost API and the budget alerts', async () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(`${root}packages/cli/bin/stratus`, args, { env: { ...process.env, STRATUS_URL: `http://127.0.0.1:${portBase}`, STRATUS_TOKEN: token } }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
      });
    const linked = await cli('accounts', 'link', '--provider', 'GCP', '--account-id', 'e2e-project-1', '--name', 'E2E GCP', '--resources', '40');
    expect(linked.stderr).toBe('');
    const id = /as ([0-9a-f-]{36})/.exec(linked.stdout)![1]!;

    const synced = await cli('accounts', 'sync', id, '--wait');
    expect(synced.stdout).toMatch(/synced in \d+ ms: 40 seen, 40 new, 0 changed, 0 removed/);
    const listed = await cli('resources', 'list', '--account', id, '--all');
    expect(listed.stdout.trim().split('\n')).toHaveLength(41);

    // A budget of 1 USD a month with an alert at 100%: the import below crosses it.
    const costApi = (path: string, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${portBase + 1}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    const budget = (await (await costApi('/v1/budgets', { method: 'POST', body: JSON.stringify({ name: 'E2E', amount: '1', currency: 'USD', period: 'monthly' }) })).json()) as { id: string };
    const alert = await costApi(`/v1/budgets/${budget.id}/alerts`, { method: 'POST', body: JSON.stringify({ threshold: 100, notification_channels: [{ type: 'in_app' }] }) });
    expect(alert.status).toBe(201);

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const csv = join(tmpdir(), `e2e-focus-${process.pid}.csv`);
    await writeFile(
      csv,
      'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,ServiceCategory,ChargeCategory,SubAccountId\n' +
        `4.20,USD,${today},${tomorrow},Compute Engine,Compute,Usage,e2e-project-1\n` +
        `oops,USD,${today},${tomorrow},Compute Engine,Compute,Usage,e2e-project-1\n`,
    );
    const imported = await cli('costs', 'import', csv, '--account', id);
    expect(imported.stdout).toContain('read 2 rows: 1 handed to the cost store');
    expect(imported.stdout).toMatch(/BilledCost: '…' is not a number\s+1\s+0\.000000\s+3/);
    expect(imported.stdout).toContain('status: applied');

    // The line travels ingestion -> Kafka -> cost service, and the alert cost -> Kafka -> audit.
    await eventually(
      async () => expect(await (await costApi('/v1/costs/aggregates')).json()).toMatchObject({ monthly: 4.2 }),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await eventually(
      async () => {
        const notifications = await fetch(`http://127.0.0.1:${portBase + 4}/v1/notifications?type=budget_alert`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await notifications.json()) as { items: { data: { budget_id: string } }[] };
        expect(body.items.map((item) => item.data.budget_id)).toEqual([budget.id]);
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  it('follows one trace from an API call through the outbox, Kafka and the audit consumer to the job it enqueued', async () => {
    // The spend of this month (4.20 USD, imported above) is past 100% of a 1 USD budget: adding the
    // alert judges the budget at once, and the crossing is published from within the request.
    const costApi = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${portBase + 1}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const budget = (await (await costApi('/v1/budgets', { name: 'Traced', amount: '1', currency: 'USD', period: 'monthly' })).json()) as { id: string };
    const alert = await costApi(`/v1/budgets/${budget.id}/alerts`, { threshold: 100, notification_channels: [{ type: 'email', to: 'ops@e2e.test' }] });
    expect(alert.status).toBe(201);
    const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(alert.headers.get('traceresponse') ?? '')?.[1];
    expect(traceId).toBeDefined();
    expect(traceId).not.toMatch(/^0+$/);

    const linesOf = (service: string) =>
      output
        .split('\n')
        .map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''))
        .filter((line) => line.startsWith(`${service.padEnd(Math.max(...names.map((n) => n.length)))} | {`))
        .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>)
        .filter((entry) => entry.trace_id === traceId);
    await eventually(
      () => {
        expect(linesOf('cost')).toContainEqual(expect.objectContaining({ msg: 'request completed' }));
        const audit = linesOf('audit');
        expect(audit).toContainEqual(expect.objectContaining({ msg: 'applied an event', type: 'budget.threshold_crossed' }));
        // No SMTP server here: the job fails, and says so in the same trace.
        expect(audit).toContainEqual(expect.objectContaining({ msg: 'job finished', job: 'notification.deliver', outcome: 'failed' }));
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  it('serves Prometheus metrics on every service, parsed by a Prometheus text-format parser', async () => {
    for (const [index, name] of names.entries()) {
      const response = await fetch(`http://127.0.0.1:${portBase + index}/metrics`);
      expect(response.status, name).toBe(200);
      const metrics = parsePrometheus(await response.text());
      for (const family of [
        'stratus_http_request_duration_seconds',
        'stratus_outbox_backlog_events',
        'stratus_outbox_oldest_unpublished_age_seconds',
        'stratus_queue_jobs',
        'stratus_job_duration_seconds',
        'stratus_dead_letters_total',
        'stratus_consumer_lag',
        'process_cpu_seconds_total',
      ]) {
        expect(metrics.families.has(family), `${name}: ${family}`).toBe(true);
      }
      expect(metrics.samples('stratus_queue_jobs'), name).toContainEqual({ labels: { queue: 'notifications', state: 'waiting' }, value: expect.any(Number) });
    }
    const audit = parsePrometheus(await (await fetch(`http://127.0.0.1:${portBase + 4}/metrics`)).text());
    expect(audit.samples('stratus_consumer_group_joined')).toEqual([{ labels: {}, value: 1 }]);
    expect(audit.samples('stratus_job_duration_seconds_count')).toContainEqual({
      labels: { queue: 'notifications', job: 'notification.deliver', outcome: 'failed' },
      value: expect.any(Number),
    });
    expect(audit.samples('stratus_consumer_lag')).toContainEqual({
      labels: { group: `${kafka.prefix}stratus-audit`, topic: `${kafka.prefix}budget.threshold_crossed`, partition: expect.any(String) },
      value: 0,
    });
    const cost = parsePrometheus(await (await fetch(`http://127.0.0.1:${portBase + 1}/metrics`)).text());
    expect(cost.samples('stratus_http_request_duration_seconds_count')).toContainEqual({
      labels: { method: 'POST', route: '/v1/budgets/:id/alerts', status_code: '201' },
      value: expect.any(Number),
    });
  });

  it('restarts a service that dies, with the others running all along', async () => {
    const pid = Number(/recommendation\s*\|.*started \(pid (\d+)\)/.exec(output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await eventually(() => expect(output).toMatch(/recommendation\s*\|.*exited \(SIGKILL\); restarting in 1 s \(restart 1\)/), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect((await fetch(`http://127.0.0.1:${portBase + 4}/readyz`)).status).toBe(200);
    await eventually(async () => expect((await fetch(`http://127.0.0.1:${portBase + 2}/readyz`)).status).toBe(200), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    expect(Number(/recommendation\s*\|.*started \(pid (\d+)\)(?![\s\S]*recommendation\s*\|.*started)/.exec(output)?.[1])).not.toBe(pid);
    expect(launcher.exitCode).toBeNull();
  });

  it("reconciles a management account's consolidated export: every row in the report, the accepted ones in the cost API, exactly", async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const linked = await fetch(`http://127.0.0.1:${portBase}/v1/cloud-accounts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ provider: 'AWS', account_id: '111122223333', name: 'Payer member' }),
    });
    const { id } = (await linked.json()) as { id: string };
    const start = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
    const end = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const { csv, rows } = consolidatedExport(start, 3, '111122223333');
    const file = join(tmpdir(), `e2e-consolidated-${process.pid}.csv`);
    await writeFile(file, csv);
    const cli = stratusCli;
    const breakdown = () => breakdownByAccountAndService(start, end);

    const first = await cli('costs', 'import', file, '--account', id, '--json');
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { status: string; rows_total: number; rows_imported: number; breakdown: ImportBreakdown };
    expect(report.status).toBe('applied');
    const accepted = rows.filter((row) => row.provider === 'AWS' && row.subAccount === '111122223333');
    expect(report).toMatchObject({ rows_total: rows.length, rows_imported: accepted.length });

    // Every row read is in the report, kept or refused, with its amount, per provider and sub-account.
    const tallied = (entries: ImportBreakdownEntry[]) => new Map(entries.map((entry) => [entry.key, [entry.kept.rows + entry.refused.rows, toUnits(entry.kept.amount) + toUnits(entry.refused.amount)]]));
    const expected = (keyOf: (row: ExportRow) => string) =>
      new Map([...sumsBy(rows, keyOf)].map(([key, units]) => [key, [rows.filter((row) => keyOf(row) === key).length, units]]));
    expect(tallied(report.breakdown.by_provider)).toEqual(expected((row) => (row.provider === 'Microsoft' ? 'AZURE' : row.provider)));
    expect(tallied(report.breakdown.by_sub_account)).toEqual(expected((row) => row.subAccount));
    expect(tallied(report.breakdown.by_charge_category)).toEqual(expected((row) => row.category));

    // The cost API's totals per account and service are the file's sums of the accepted rows, every decimal.
    const sums = new Map([...sumsBy(accepted, (row) => `${id}|${row.service}`)].map(([key, units]) => [key, fromUnits(units)]));
    await eventually(async () => expect(await breakdown()).toEqual(sums), { timeoutMs: 30_000, intervalMs: 250 });

    // Importing the same file again changes nothing.
    const again = await cli('costs', 'import', file, '--account', id, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'applied', rows_imported: accepted.length });
    expect(await breakdown()).toEqual(sums);
  });

  it("imports the same export for the organisation: each account's rows reach it, the others are linked billing-only, Oracle's are refused", async () => {
    const start = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
    const end = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const { csv, rows } = consolidatedExport(start, 3, '111122223333');
    const file = join(tmpdir(), `e2e-billing-${process.pid}.csv`);
    await writeFile(file, csv);

    const imported = await stratusCli('costs', 'import', file, '--json');
    expect(imported.code, imported.stderr).toBe(0);
    const report = JSON.parse(imported.stdout) as {
      rows_routed: number;
      rows_rejected: number;
      linked_accounts: { cloud_account_id: string; account_id: string }[];
      imports: { cloud_account_id: string; status: string }[];
    };
    const accepted = rows.filter((row) => row.provider !== 'Oracle');
    expect(report).toMatchObject({ rows_routed: accepted.length, rows_rejected: rows.length - accepted.length });
    expect(report.imports.map((share) => share.status)).toEqual(['applied', 'applied', 'applied']);

    // Per account and service, the cost API's totals are the file's sums, to the last decimal.
    const accounts = (await (await fetch(`http://127.0.0.1:${portBase}/v1/cloud-accounts`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      items: { id: string; account_id: string }[];
    };
    const idOf = new Map(accounts.items.map((account) => [account.account_id, account.id]));
    const sums = new Map([...sumsBy(accepted, (row) => `${idOf.get(row.subAccount)}|${row.service}`)].map(([key, units]) => [key, fromUnits(units)]));
    await eventually(async () => expect(await breakdownByAccountAndService(start, end)).toEqual(sums), { timeoutMs: 30_000, intervalMs: 250 });
  });

  it('keeps the rows of sub-accounts nobody linked as unassigned cost once the organisation says so, to the last decimal', async () => {
    const set = await stratusCli('costs', 'settings', '--unlinked', 'unassigned');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('sub-accounts nobody linked: unassigned');

    const start = new Date(Date.now() - 4 * 86_400_000).toISOString().slice(0, 10);
    // The same shape of file from another management account: its sub-accounts are linked by nobody.
    const { csv, rows } = consolidatedExport(start, 2, '999900001111');
    const file = join(tmpdir(), `e2e-unassigned-${process.pid}.csv`);
    await writeFile(file, csv.replaceAll('222233334444', '999900002222').replaceAll('5f1c7b9e-azure-sub', '0c0c0c0c-azure-sub'));
    const imported = await stratusCli('costs', 'import', file, '--json');
    expect(imported.code, imported.stderr).toBe(0);
    const kept = rows.filter((row) => row.provider !== 'Oracle');
    expect(JSON.parse(imported.stdout)).toMatchObject({ rows_routed: 0, rows_unassigned: kept.length, linked_accounts: [], imports: [] });

    const listed = await stratusCli('costs', 'unassigned', '--from', start, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const { groups } = JSON.parse(listed.stdout) as { groups: { sub_account_id: string; billed_cost: string }[] };
    const renamed = (subAccount: string) => ({ '222233334444': '999900002222', '5f1c7b9e-azure-sub': '0c0c0c0c-azure-sub' })[subAccount] ?? subAccount;
    const expected = [...sumsBy(kept, (row) => renamed(row.subAccount))].map(([subAccount, units]) => [subAccount, fromUnits(units)]);
    expect(groups.map((group) => [group.sub_account_id, group.billed_cost]).sort()).toEqual(expected.sort());
  });

  it('stops every service cleanly on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const name of names) expect(output).toMatch(new RegExp(`${name}\\s*\\|.*stopped`));
    await expect(fetch(`http://127.0.0.1:${portBase}/healthz`)).rejects.toThrow();
  });
});
