/**
 * What people must act on reaches them: approvers of a waiting action, the requester, the
 * on-call team and the teams operating the account of a failed one, the organisation for a
 * high-savings recommendation and for a workflow's notify step, a report's channels for its run;
 * once each, however often an event is delivered.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxOf } from '@stratus/events';
import { samples } from '@stratus/events/samples';
import { eventually } from '@stratus/testing';
import { startAuditConsumer, type AuditConsumer } from '../../test/audit-consumer.ts';

let audit: AuditConsumer;

beforeAll(async () => {
  audit = await startAuditConsumer(['action-executor', 'recommendation', 'cost']);
});

afterAll(async () => {
  await audit?.close();
});

function notificationsOf(type: string) {
  return audit.database.owner
    .selectFrom('notifications')
    .select(['user_id', 'team_id', 'title', 'expires_at', 'status'])
    .where('type', '=', type)
    .orderBy('title')
    .execute();
}

describe('notifications of what people must act on', () => {
  it('asks each approver who is a user, until the approval expires', async () => {
    const processed = audit.consumer.metrics().processed;
    const event = await audit.database.owner.transaction().execute((trx) =>
      outboxOf('action-executor').publish(trx, 'approval.requested', {
        tenant: audit.organizationId,
        data: { ...samples()['approval.requested'], approver_ids: [audit.userId, randomUUID()], expires_at: '2030-01-01T00:00:00.000Z' },
      }),
    );
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });
    await audit.redeliver([event]);
    await eventually(() => expect(audit.consumer.metrics().duplicates).toBeGreaterThanOrEqual(1), { timeoutMs: 30_000 });

    expect(await notificationsOf('approval_requested')).toEqual([
      { user_id: audit.userId, team_id: null, title: expect.stringContaining('Approval needed: delete'), expires_at: new Date('2030-01-01T00:00:00.000Z'), status: 'unread' },
    ]);
  });

  it('tells the requester and the on-call team of a failed action', async () => {
    const team = await audit.database.owner.insertInto('teams').values({ organization_id: audit.organizationId, name: 'on-call' }).returning('id').executeTakeFirstOrThrow();
    await audit.database.owner.updateTable('organizations').set({ settings: JSON.stringify({ on_call_team_id: team.id }) }).where('id', '=', audit.organizationId).execute();
    const processed = audit.consumer.metrics().processed;
    const requested = { ...samples()['action.requested'], requested_by: audit.userId };
    await audit.database.owner.transaction().execute((trx) =>
      outboxOf('recommendation').publish(trx, 'action.requested', { tenant: audit.organizationId, data: requested }),
    );
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });
    await audit.database.owner.transaction().execute((trx) =>
      outboxOf('action-executor').publish(trx, 'action.failed', {
        tenant: audit.organizationId,
        data: { action_id: requested.action_id, action_type: requested.action_type, resource_id: requested.resource_id, error: { message: 'quota exceeded', retryable: false } },
      }),
    );
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 2), { timeoutMs: 30_000 });

    const failed = await notificationsOf('action_failed');
    expect(failed.map((row) => [row.user_id, row.team_id])).toEqual([
      [audit.userId, null],
      [null, team.id],
    ]);
  });

  it('tells the teams that operate the failed resource\'s account, not those that only read it', async () => {
    const owner = audit.database.owner;
    const organization_id = audit.organizationId;
    await owner.updateTable('organizations').set({ settings: '{}' }).where('id', '=', organization_id).execute();
    const account = await owner.insertInto('cloud_accounts').values({ organization_id, name: 'prod', provider: 'AWS', account_id: '210987654321' }).returning('id').executeTakeFirstOrThrow();
    const resource = await owner
      .insertInto('resources')
      .values({ organization_id, cloud_account_id: account.id, provider: 'AWS', provider_resource_id: `i-${randomUUID()}`, type: 'EC2' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const teams: Record<string, string> = {};
    for (const [name, level] of [['runners', 'operate'], ['owners', 'admin'], ['watchers', 'read']] as const) {
      teams[name] = (await owner.insertInto('teams').values({ organization_id, name }).returning('id').executeTakeFirstOrThrow()).id;
      await owner.insertInto('cloud_account_teams').values({ organization_id, cloud_account_id: account.id, team_id: teams[name]!, access_level: level }).execute();
    }
    const processed = audit.consumer.metrics().processed;
    const event = await owner.transaction().execute((trx) =>
      outboxOf('action-executor').publish(trx, 'action.failed', {
        tenant: organization_id,
        data: { action_id: randomUUID(), action_type: 'stop', resource_id: resource.id, error: { message: 'instance is busy', retryable: true } },
      }),
    );
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });
    await audit.redeliver([event]);
    await eventually(() => expect(audit.consumer.metrics().duplicates).toBeGreaterThanOrEqual(1), { timeoutMs: 30_000 });

    const told = await owner.selectFrom('notifications').select('team_id').where('type', '=', 'action_failed').where('title', 'like', `%${resource.id}%`).execute();
    expect(told.map((row) => row.team_id).sort()).toEqual([teams.runners, teams.owners].sort());
  });

  it('announces a recommendation saving at least the threshold, and no smaller one', async () => {
    const processed = audit.consumer.metrics().processed;
    const sample = samples()['recommendation.created'];
    await audit.database.owner.transaction().execute(async (trx) => {
      for (const estimated_savings of ['250.00', '12.00']) {
        await outboxOf('recommendation').publish(trx, 'recommendation.created', {
          tenant: audit.organizationId,
          data: { ...sample, recommendation_id: randomUUID(), estimated_savings, currency: 'USD', title: `Stop idle VM (${estimated_savings})` },
        });
      }
    });
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 2), { timeoutMs: 30_000 });
    const announced = await notificationsOf('recommendation_high_savings');
    expect(announced.map((row) => row.title)).toEqual(['Save 250.00 USD a month: Stop idle VM (250.00)']);
  });

  it("tells the organisation what a workflow's notify step says, once", async () => {
    const processed = audit.consumer.metrics().processed;
    const event = await audit.database.owner.transaction().execute((trx) =>
      outboxOf('action-executor').publish(trx, 'workflow.notification_requested', { tenant: audit.organizationId, data: samples()['workflow.notification_requested'] }),
    );
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });
    await audit.redeliver([event]);
    await eventually(() => expect(audit.consumer.metrics().duplicates).toBeGreaterThanOrEqual(1), { timeoutMs: 30_000 });
    expect(await notificationsOf('workflow')).toEqual([{ user_id: null, team_id: null, title: 'Budget compute crossed', expires_at: null, status: 'unread' }]);
  });

  it("tells the team a workflow's notify step names, and the organisation when that team is gone", async () => {
    const processed = audit.consumer.metrics().processed;
    const team = await audit.database.owner.insertInto('teams').values({ organization_id: audit.organizationId, name: 'finops' }).returning('id').executeTakeFirstOrThrow();
    const sample = samples()['workflow.notification_requested'];
    await audit.database.owner.transaction().execute(async (trx) => {
      await outboxOf('action-executor').publish(trx, 'workflow.notification_requested', {
        tenant: audit.organizationId,
        data: { ...sample, execution_id: randomUUID(), title: 'For finops', team_id: team.id },
      });
      // A workflow written for a team deleted since.
      await outboxOf('action-executor').publish(trx, 'workflow.notification_requested', {
        tenant: audit.organizationId,
        data: { ...sample, execution_id: randomUUID(), title: 'For a team gone', team_id: randomUUID() },
      });
    });
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 2), { timeoutMs: 30_000 });
    const told = (await notificationsOf('workflow')).filter((row) => row.title.startsWith('For '));
    expect(told.map(({ title, team_id }) => ({ title, team_id }))).toEqual([
      { title: 'For a team gone', team_id: null },
      { title: 'For finops', team_id: team.id },
    ]);
  });

  it("sends a report run's links to the report's own channels, once", async () => {
    const report = await audit.database.owner
      .insertInto('reports')
      .values({
        organization_id: audit.organizationId,
        name: 'Monthly showback',
        report_type: 'showback',
        cron: '0 8 1 * *',
        notification_channels: JSON.stringify([{ type: 'webhook', url: 'https://hooks.example.com/reports' }]),
        created_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const processed = audit.consumer.metrics().processed;
    const event = await audit.database.owner.transaction().execute((trx) =>
      outboxOf('cost').publish(trx, 'report.generated', { tenant: audit.organizationId, data: { ...samples()['report.generated'], report_id: report.id } }),
    );
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });
    await audit.redeliver([event]);
    await eventually(() => expect(audit.consumer.metrics().duplicates).toBeGreaterThanOrEqual(2), { timeoutMs: 30_000 });
    expect(await notificationsOf('report')).toEqual([{ user_id: null, team_id: null, title: 'Report "Monthly showback" is ready', expires_at: null, status: 'unread' }]);
    const deliveries = await audit.database.owner.selectFrom('notification_deliveries').select(['channel', 'payload']).where('event_id', '=', event.id).execute();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.channel).toEqual({ type: 'webhook', url: 'https://hooks.example.com/reports' });
    expect(JSON.stringify(deliveries[0]!.payload)).toContain(samples()['report.generated'].csv_url);
  });
});
