/**
 * Per-user notification preferences, from the event on Kafka to the channel: an approver who asked
 * for approvals on Slack and by email gets both, a user who asked for nothing gets the app only, and a
 * team notification reaches each member's chosen channels once per address.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryChannel, NotificationType } from '@stratus/db';
import { outboxOf } from '@stratus/events';
import { samples } from '@stratus/events/samples';
import { eventually } from '@stratus/testing';
import { startAuditConsumer, type AuditConsumer } from '../../test/audit-consumer.ts';
import { startSmtpInbox, type SmtpInbox } from '../../test/smtp-inbox.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/webhook-receiver.ts';

let audit: AuditConsumer;
let receiver: WebhookReceiver;
let inbox: SmtpInbox;

beforeAll(async () => {
  [receiver, inbox] = await Promise.all([startWebhookReceiver(), startSmtpInbox()]);
  audit = await startAuditConsumer(['action-executor', 'recommendation'], { deliver: { SMTP_URL: inbox.url, SMTP_FROM: 'Stratus <alerts@stratus.test>' } });
});

afterAll(async () => {
  await audit?.close();
  await Promise.all([receiver?.close(), inbox?.close()]);
});

async function user(email: string) {
  return audit.database.owner
    .insertInto('users')
    .values({ organization_id: audit.organizationId, email, name: email })
    .returning('id')
    .executeTakeFirstOrThrow()
    .then((row) => row.id);
}

async function prefer(userId: string, type: NotificationType, channels: DeliveryChannel[]) {
  await audit.database.owner
    .insertInto('notification_preferences')
    .values({ organization_id: audit.organizationId, user_id: userId, notification_type: type, channels: JSON.stringify(channels) })
    .execute();
}

async function publish(producer: 'action-executor' | 'recommendation', type: 'approval.requested' | 'action.failed' | 'action.requested', data: object) {
  const processed = audit.consumer.metrics().processed;
  const event = await audit.database.owner.transaction().execute((trx) =>
    outboxOf(producer).publish(trx, type, { tenant: audit.organizationId, data: data as never }),
  );
  await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });
  return event;
}

function deliveriesOf(eventId: string) {
  return eventually(
    async () => {
      const rows = await audit.database.owner
        .selectFrom('notification_deliveries')
        .select(['channel', 'status', 'last_error'])
        .where('event_id', '=', eventId)
        .orderBy('channel_key')
        .execute();
      for (const row of rows) expect(row.status).not.toBe('pending');
      return rows;
    },
    { timeoutMs: 20_000 },
  );
}

describe('notification preferences', () => {
  it('delivers an approval request on the Slack and email channels the approver chose, and only in the app to the other', async () => {
    const [chooser, silent] = [await user('ops@pref.test'), await user('quiet@pref.test')];
    const slack = { type: 'slack' as const, url: receiver.url('/slack/approvals') };
    const email = { type: 'email' as const, to: 'ops-pager@pref.test' };
    await prefer(chooser, 'approval_requested', [slack, email]);
    await prefer(chooser, 'action_failed', [{ type: 'email', to: 'not-this-one@pref.test' }]);

    const event = await publish('action-executor', 'approval.requested', {
      ...samples()['approval.requested'],
      reasons: ['tagged env=<prod>'],
      approver_ids: [chooser, silent],
      expires_at: '2030-01-01T00:00:00.000Z',
    });

    expect(await deliveriesOf(event.id)).toEqual([
      { channel: email, status: 'delivered', last_error: null },
      { channel: slack, status: 'delivered', last_error: null },
    ]);
    const [posted] = receiver.requests('/slack/approvals');
    // Slack takes its own message shape and no signature; markup in names is escaped.
    expect(posted!.headers['stratus-signature']).toBeUndefined();
    expect(JSON.parse(posted!.body)).toEqual({
      text: expect.stringMatching(/^\*Approval needed: delete of resource [0-9a-f-]{36}\*\n\d approval\(s\) needed before 2030-01-01T00:00:00.000Z: tagged env=&lt;prod&gt;\.$/),
    });
    expect(inbox.messages.map((message) => message.to)).toEqual([['ops-pager@pref.test']]);
    const inApp = await audit.database.owner.selectFrom('notifications').select('user_id').where('type', '=', 'approval_requested').execute();
    expect(inApp.map((row) => row.user_id).sort()).toEqual([chooser, silent].sort());
  });

  it("delivers a team's notification on its members' channels, once per address, and nothing to a disabled member", async () => {
    const team = await audit.database.owner.insertInto('teams').values({ organization_id: audit.organizationId, name: 'on-call' }).returning('id').executeTakeFirstOrThrow();
    await audit.database.owner.updateTable('organizations').set({ settings: JSON.stringify({ on_call_team_id: team.id }) }).where('id', '=', audit.organizationId).execute();
    const [first, second, disabled] = [await user('a@oncall.test'), await user('b@oncall.test'), await user('c@oncall.test')];
    await audit.database.owner.updateTable('users').set({ status: 'disabled' }).where('id', '=', disabled).execute();
    await audit.database.owner
      .insertInto('user_teams')
      .values([first, second, disabled].map((user_id) => ({ user_id, team_id: team.id, organization_id: audit.organizationId, role: 'member' })))
      .execute();
    const shared = { type: 'slack' as const, url: receiver.url('/slack/oncall') };
    await prefer(first, 'action_failed', [shared]);
    await prefer(second, 'action_failed', [shared, { type: 'webhook', url: receiver.url('/hook/b') }]);
    await prefer(disabled, 'action_failed', [{ type: 'email', to: 'gone@oncall.test' }]);

    const event = await publish('action-executor', 'action.failed', {
      action_id: randomUUID(),
      action_type: 'stop',
      resource_id: randomUUID(),
      error: { message: 'quota exceeded', retryable: false },
    });

    const rows = await deliveriesOf(event.id);
    expect(rows.map((row) => row.channel)).toEqual([shared, { type: 'webhook', url: receiver.url('/hook/b') }]);
    // The organisation has no signing secret: the webhook fails, saying how to fix it; Slack needs none.
    expect(rows[0]).toMatchObject({ status: 'delivered' });
    expect(rows[1]).toMatchObject({ status: 'failed', last_error: expect.stringContaining('POST /v1/webhook-signing-secret') });
    expect(receiver.requests('/slack/oncall')).toHaveLength(1);
    expect(inbox.messages.flatMap((message) => message.to)).not.toContain('gone@oncall.test');
  });
});
