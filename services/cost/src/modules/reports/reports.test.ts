/**
 * Scheduled reports against the real S3-compatible server (scripts/s3.sh), in a bucket of this
 * file's own: a report made through the API gets its job scheduler; its scheduled run lands the CSV
 * and the HTML summary in the bucket, publishes report.generated with links signed to expire (S3Mock
 * does not enforce the expiry; AWS S3 and MinIO do), and is recorded; a redelivered job does nothing twice; a run that cannot finish is
 * recorded as failed.
 */
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { EventEnvelope } from '@stratus/events';
import { createTestObjectStore, type TestObjectStore } from '@stratus/testing';
import { startTestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import { reportRunJob } from '../../jobs/report-run.job.ts';
import { addSpend, linkAccount, type CostApp } from '../budgets/budgets.fixtures.ts';
import { addMonths, utcDay } from '../costs/cost-plan.ts';
import { syncReportSchedulers, type ReportRunDeps } from './reports.service.ts';
import { stratus } from '../../../../../packages/cli/test/run-cli.ts';

let s3: TestObjectStore;
let cost: CostApp;
const thisMonth = `${utcDay(new Date()).slice(0, 7)}-01`;
const lastMonth = addMonths(thisMonth, -1);

/** What BullMQ hands the handler: a scheduler's job carries repeat:<scheduler>:<tick> as its id. */
function jobOf(id: string, attemptsMade = 0): Job {
  return { id, name: 'report.run', timestamp: Date.now(), attemptsMade, opts: { attempts: 3 } } as unknown as Job;
}

function runDeps(overrides: Partial<ReportRunDeps> = {}): ReportRunDeps & { logger: CostApp['deps']['logger'] } {
  return {
    db: cost.deps.db,
    outbox: cost.deps.outbox,
    logger: cost.deps.logger,
    objects: () => s3.store,
    rawRetentionMonths: 13,
    linkExpirySeconds: 3,
    ...overrides,
  };
}

async function generatedEvents(reportId: string): Promise<EventEnvelope<'report.generated'>[]> {
  const { rows } = await sql<{ envelope: EventEnvelope<'report.generated'> }>`
    select envelope from event_outbox_events where type = 'report.generated' and envelope -> 'data' ->> 'report_id' = ${reportId} order by seq
  `.execute(cost.database.owner);
  return rows.map((row) => row.envelope);
}

beforeAll(async () => {
  s3 = await createTestObjectStore();
  cost = await startTestApp(service, { overrides: s3.env });
  const account = await linkAccount(cost, cost.organizationId);
  const spend = { organization_id: cost.organizationId, cloud_account_id: account };
  await addSpend(cost, { ...spend, day: lastMonth, amount: '120.50', service: 'AmazonEC2' });
  await addSpend(cost, { ...spend, day: `${lastMonth.slice(0, 8)}15`, amount: '30.25', service: 'AmazonS3' });
  await addSpend(cost, { ...spend, day: lastMonth, amount: '70', tag: ['team', 'data'] });
  await addSpend(cost, { ...spend, day: lastMonth, amount: '20', tag: ['team', 'web <b>'] });
  // The monthly rows, as the consumer keeps them beside the daily ones: a whole month is read from them.
  await sql`
    insert into cost_rollups (organization_id, granularity, period_start, cloud_account_id, provider, service, region, currency, amount, lines)
    select organization_id, 'month', date_trunc('month', period_start)::date, cloud_account_id, provider, service, region, currency, sum(amount), sum(lines)
      from cost_rollups where granularity = 'day' group by 1, 3, 4, 5, 6, 7, 8
  `.execute(cost.database.owner);
  await sql`
    insert into cost_tag_rollups (organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id, provider, service, currency, amount, lines)
    select organization_id, 'month', date_trunc('month', period_start)::date, tag_key, tag_value, cloud_account_id, provider, service, currency, sum(amount), sum(lines)
      from cost_tag_rollups where granularity = 'day' group by 1, 3, 4, 5, 6, 7, 8, 9
  `.execute(cost.database.owner);
});

afterAll(async () => {
  await cost?.close();
  await s3?.cleanup();
});

describe('scheduled reports', () => {
  let reportId: string;

  it('creates a report on its cron and time zone, and gives it a job scheduler', async () => {
    const created = await cost.call('POST', '/v1/reports', {
      body: {
        name: 'Monthly spend',
        report_type: 'cost_breakdown',
        parameters: { group_by: ['service'], period: 'last_month' },
        cron: '0 8 1 * *',
        timezone: 'Europe/Paris',
        notification_channels: [{ type: 'webhook', url: 'https://hooks.example.com/reports' }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ report_type: 'cost_breakdown', timezone: 'Europe/Paris', enabled: true, parameters: { group_by: ['service'], period: 'last_month' } });
    expect(created.body.next_runs).toHaveLength(3);
    // 08:00 in Paris on the 1st is 06:00 or 07:00 UTC.
    expect(new Date(created.body.next_runs[0]).getUTCDate()).toBe(1);
    expect([6, 7]).toContain(new Date(created.body.next_runs[0]).getUTCHours());
    reportId = created.body.id;
    expect(await cost.deps.queues.schedulerIds('reports')).toContain(`report:${reportId}`);
  });

  it('puts back a job scheduler Redis lost, and removes one whose report is gone', async () => {
    await cost.deps.queues.unschedule('reports', `report:${reportId}`);
    await cost.deps.queues.schedule('report:00000000-0000-4000-8000-000000000000', 'report.run', { report_id: '00000000-0000-4000-8000-000000000000', organization_id: cost.organizationId, trigger: 'schedule' }, { pattern: '0 8 1 * *', tz: 'UTC' });
    expect(await syncReportSchedulers(cost.deps.db, cost.deps.queues)).toEqual({ enabled: 1, restored: 1, removed: 1 });
    expect(await cost.deps.queues.schedulerIds('reports')).toEqual([`report:${reportId}`]);
    expect(await syncReportSchedulers(cost.deps.db, cost.deps.queues)).toEqual({ enabled: 1, restored: 0, removed: 0 });
  });

  it('stops and restarts its schedule when disabled and enabled again', async () => {
    const disabled = await cost.call('PATCH', `/v1/reports/${reportId}`, { body: { enabled: false } });
    expect(disabled.body).toMatchObject({ enabled: false, next_runs: [] });
    expect(await cost.deps.queues.schedulerIds('reports')).toEqual([]);
    const skipped = await reportRunJob(runDeps())({ report_id: reportId, organization_id: cost.organizationId, trigger: 'schedule' }, jobOf('repeat:report:x:1'));
    expect(skipped).toEqual({ status: 'skipped', reason: `report ${reportId} is disabled` });
    const badZone = await cost.call('PATCH', `/v1/reports/${reportId}`, { body: { timezone: 'Nowhere/Else' } });
    expect(badZone.body.message).toMatch(/^body\.timezone/);
    const enabled = await cost.call('PATCH', `/v1/reports/${reportId}`, { body: { enabled: true, cron: '0 9 1 * *' } });
    expect(enabled.body).toMatchObject({ enabled: true, cron: '0 9 1 * *', timezone: 'Europe/Paris' });
    expect(await cost.deps.queues.schedulerIds('reports')).toEqual([`report:${reportId}`]);
  });

  it('refuses a bad cron, time zone or parameter, naming the field', async () => {
    const body = { name: 'x', report_type: 'showback', cron: '0 8 1 * *', timezone: 'UTC' };
    const badCron = await cost.call('POST', '/v1/reports', { body: { ...body, cron: 'every day' } });
    expect(badCron.status).toBe(400);
    expect(badCron.body.message).toMatch(/^body\.cron/);
    const badZone = await cost.call('POST', '/v1/reports', { body: { ...body, timezone: 'Mars/Olympus' } });
    expect(badZone.body.message).toMatch(/^body\.timezone/);
    const badParameter = await cost.call('POST', '/v1/reports', { body: { ...body, parameters: { period: 'forever' } } });
    expect(badParameter.status).toBe(400);
    expect(badParameter.body.message).toContain('body.parameters.period');
  });

  it('lands a scheduled run in the bucket, with signed links that work and say when they expire, and records it', async () => {
    const job = jobOf(`repeat:report:${reportId}:1764576000000`);
    const outcome = await reportRunJob(runDeps())({ report_id: reportId, organization_id: cost.organizationId, trigger: 'schedule' }, job);
    expect(outcome).toMatchObject({ status: 'done', rows: 2 });

    const runs = await cost.call('GET', `/v1/reports/${reportId}/runs`);
    expect(runs.body.items).toHaveLength(1);
    const [run] = runs.body.items;
    expect(run).toMatchObject({ trigger: 'schedule', status: 'succeeded', rows: 2, error: null });
    expect(run.csv_key).toBe(`reports/${cost.organizationId}/${reportId}/${run.id}.csv`);
    expect((await s3.store.get(run.csv_key))!.toString()).toBe('service,currency,amount\nAmazonEC2,USD,120.500000\nAmazonS3,USD,30.250000\n');
    const html = (await s3.store.get(run.html_key))!.toString();
    expect(html).toContain('<h1>Monthly spend</h1>');
    expect(html).toContain('<svg');
    expect(html).toContain(`${lastMonth} to ${thisMonth}`);

    const [event] = await generatedEvents(reportId);
    expect(event!.data).toMatchObject({ run_id: run.id, report_name: 'Monthly spend', rows: 2, trigger: 'schedule' });
    const csv = await fetch(event!.data.csv_url);
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain('AmazonEC2,USD,120.500000');
    const page = await fetch(event!.data.html_url);
    expect(page.headers.get('content-type')).toContain('text/html');
    // Signed (SigV4) at the run for linkExpirySeconds: S3, MinIO and Ceph refuse the link from then
    // on. S3Mock checks no signature, so the refusal itself cannot be shown against it.
    const signed = new URL(event!.data.csv_url).searchParams;
    expect(signed.get('X-Amz-Expires')).toBe('3');
    expect(signed.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const signedAt = Date.parse(signed.get('X-Amz-Date')!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(Math.abs(signedAt - new Date(run.finished_at).getTime())).toBeLessThan(5_000);
    expect(new Date(event!.data.expires_at).getTime() - signedAt).toBeGreaterThanOrEqual(2_000);
    expect(new Date(event!.data.expires_at).getTime() - signedAt).toBeLessThanOrEqual(4_000);
  });

  it('does nothing twice for a redelivered job: no second run, object or event', async () => {
    const job = jobOf(`repeat:report:${reportId}:1764576000000`);
    const again = await reportRunJob(runDeps())({ report_id: reportId, organization_id: cost.organizationId, trigger: 'schedule' }, job);
    expect(again).toMatchObject({ status: 'skipped' });
    expect((await cost.call('GET', `/v1/reports/${reportId}/runs`)).body.items).toHaveLength(1);
    expect(await generatedEvents(reportId)).toHaveLength(1);
  });

  it('charges spend per team (showback), escaping what the HTML shows', async () => {
    const created = await cost.call('POST', '/v1/reports', {
      body: { name: 'Showback', report_type: 'showback', parameters: { tag_key: 'team' }, cron: '0 8 1 * *' },
    });
    const outcome = await reportRunJob(runDeps())({ report_id: created.body.id, organization_id: cost.organizationId, trigger: 'manual' }, jobOf('report-run-a'));
    expect(outcome).toMatchObject({ status: 'done', rows: 2 });
    const [run] = (await cost.call('GET', `/v1/reports/${created.body.id}/runs`)).body.items;
    expect((await s3.store.get(run.csv_key))!.toString()).toBe('tag:team,currency,amount\ndata,USD,70.000000\nweb <b>,USD,20.000000\n');
    const html = (await s3.store.get(run.html_key))!.toString();
    expect(html).toContain('web &lt;b&gt;');
    expect(html).not.toContain('web <b>');
  });

  it('records a run that cannot finish as failed, with the reason, on its last attempt', async () => {
    const failing = runDeps({ objects: () => { throw new Error('the bucket is gone'); } });
    const payload = { report_id: reportId, organization_id: cost.organizationId, trigger: 'manual' as const };
    await expect(reportRunJob(failing)(payload, jobOf('report-run-b', 0))).rejects.toThrow('the bucket is gone');
    expect((await cost.call('GET', `/v1/reports/${reportId}/runs`)).body.items[0]).toMatchObject({ status: 'running' });
    await expect(reportRunJob(failing)(payload, jobOf('report-run-b', 2))).rejects.toThrow('the bucket is gone');
    const runs = (await cost.call('GET', `/v1/reports/${reportId}/runs`)).body.items;
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ trigger: 'manual', status: 'failed', error: 'the bucket is gone' });
  });

  it('queues a run on request and removes the scheduler with the report', async () => {
    const queued = await cost.call('POST', `/v1/reports/${reportId}/run`);
    expect(queued.status).toBe(202);
    expect(queued.body.job_id).toMatch(/^report-run-/);
    expect(await cost.deps.queues.missing('reports', [queued.body.job_id])).toEqual([]);
    expect((await cost.call('DELETE', `/v1/reports/${reportId}`)).status).toBe(204);
    expect(await cost.deps.queues.schedulerIds('reports')).not.toContain(`report:${reportId}`);
    expect((await cost.call('GET', `/v1/reports/${reportId}`)).status).toBe(404);
  });

  it('are made, listed, run and followed by the CLI, against the running API', async () => {
    const address = await cost.app.listen({ host: '127.0.0.1', port: 0 });
    const env = { STRATUS_COST_URL: address, STRATUS_TOKEN: cost.token };
    const created = await stratus(
      ['reports', 'create', 'Savings', '--type', 'realized_savings', '--cron', '0 7 * * 1', '--timezone', 'America/New_York', '--parameters', '{"period":"last_30_days"}', '--json'],
      env,
    );
    expect(created.stderr).toBe('');
    const report = JSON.parse(created.stdout);
    expect(report).toMatchObject({ name: 'Savings', report_type: 'realized_savings', timezone: 'America/New_York', parameters: { period: 'last_30_days' } });
    const listed = await stratus(['reports', 'list'], env);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID +NAME +REPORT_TYPE +CRON +TIMEZONE +NEXT_RUN$/);
    expect(listed.stdout).toMatch(new RegExp(`\n${report.id} +Savings +realized_savings +0 7 [*] [*] 1 +America/New_York +20`));
    expect((await stratus(['reports', 'disable', report.id], env)).stdout).toBe(`report ${report.id} disabled; next run (none)\n`);
    expect((await stratus(['reports', 'enable', report.id], env)).stdout).toMatch(new RegExp(`^report ${report.id} enabled; next run 20`));
    const queued = await stratus(['reports', 'run', report.id], env);
    expect(queued.stdout).toMatch(/^queued \(report-run-/);
    const refused = await stratus(['reports', 'create', 'Bad', '--type', 'showback', '--cron', 'soon'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('body.cron');
  });
});
