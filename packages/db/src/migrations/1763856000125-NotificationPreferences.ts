import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Per-user notification preferences (issue #16, point 4): for each type of notification, the
 * channels besides the app (email, signed webhook, Slack incoming webhook) that a user wants it on.
 * The audit service writes and reads them; the channels are validated by its API, as budget
 * alerts' channels are by the cost API. Deliveries may now go to Slack too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table notification_preferences (
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        notification_type text not null
          constraint notification_preferences_notification_type_check
          check (notification_type in ('budget_alert', 'approval_requested', 'action_failed', 'recommendation_high_savings')),
        channels jsonb not null default '[]',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (user_id, notification_type)
      )
    `,
    // Organisation-wide notifications look up every user who asked for a type.
    sql`create index notification_preferences_type_idx on notification_preferences (organization_id, notification_type)`,
    sql`
      create trigger notification_preferences_set_updated_at before update on notification_preferences
        for each row execute function set_updated_at()
    `,
    sql`alter table notification_preferences enable row level security`,
    sql`
      create policy tenant_isolation on notification_preferences for all
        using (organization_id = stratus_current_organization())
        with check (organization_id = stratus_current_organization())
    `,
    sql`grant select on notification_preferences to stratus_service`,
    sql`grant insert, update, delete on notification_preferences to stratus_audit`,
    sql`alter table notification_deliveries drop constraint notification_deliveries_channel_type_check`,
    sql`
      alter table notification_deliveries add constraint notification_deliveries_channel_type_check
        check (channel ->> 'type' in ('email', 'webhook', 'slack'))
    `,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop table if exists notification_preferences`,
    sql`delete from notification_deliveries where channel ->> 'type' = 'slack'`,
    sql`alter table notification_deliveries drop constraint notification_deliveries_channel_type_check`,
    sql`
      alter table notification_deliveries add constraint notification_deliveries_channel_type_check
        check (channel ->> 'type' in ('email', 'webhook'))
    `,
  ]);
}
