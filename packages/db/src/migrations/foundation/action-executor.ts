import { sql, type Kysely } from 'kysely';
import { dropTables, execute, keepUpdatedAt, tenantIsolation } from './ddl.ts';

export const ACTION_EXECUTOR_TABLES = [
  'actions',
  'action_history',
  'approvals',
  'workflows',
  'workflow_executions',
  'automation_rules',
  'automation_rule_runs',
  'operations',
  'terraform_states',
  'terraform_modules',
];

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table actions (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        recommendation_id uuid references recommendations (id) on delete set null,
        action_type text not null,
        resource_id uuid references resources (id) on delete set null,
        status action_status not null default 'pending',
        parameters jsonb not null default '{}',
        idempotency_key text unique,
        scheduled_for timestamptz,
        created_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index actions_organization_id_status_idx on actions (organization_id, status)`,
    sql`create index actions_recommendation_id_idx on actions (recommendation_id)`,
    sql`create index actions_resource_id_idx on actions (resource_id)`,
    ...tenantIsolation('actions'),
    keepUpdatedAt('actions'),

    sql`
      create table action_history (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        action_id uuid not null references actions (id) on delete cascade,
        status action_status not null,
        executed_at timestamptz not null default now(),
        executed_by uuid references users (id) on delete set null,
        result jsonb,
        details text
      )
    `,
    sql`create index action_history_action_id_idx on action_history (action_id, executed_at)`,
    sql`create index action_history_organization_id_idx on action_history (organization_id)`,
    ...tenantIsolation('action_history'),

    // An approval names its approver for good: a user who approved something is disabled, not deleted.
    sql`
      create table approvals (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        action_id uuid not null references actions (id) on delete cascade,
        approver_id uuid not null references users (id),
        status approval_status not null default 'pending',
        comments text,
        requested_at timestamptz not null default now(),
        responded_at timestamptz
      )
    `,
    sql`create index approvals_action_id_idx on approvals (action_id)`,
    sql`create index approvals_approver_id_status_idx on approvals (approver_id, status)`,
    sql`create index approvals_organization_id_status_idx on approvals (organization_id, status)`,
    ...tenantIsolation('approvals'),

    sql`
      create table workflows (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        description text,
        trigger_type text not null,
        definition jsonb not null,
        status text not null default 'active',
        created_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index workflows_organization_id_idx on workflows (organization_id)`,
    ...tenantIsolation('workflows'),
    keepUpdatedAt('workflows'),

    sql`
      create table workflow_executions (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        workflow_id uuid not null references workflows (id) on delete cascade,
        status operation_status not null default 'queued',
        started_at timestamptz not null default now(),
        completed_at timestamptz,
        triggered_by uuid references users (id) on delete set null,
        results jsonb
      )
    `,
    sql`create index workflow_executions_workflow_id_idx on workflow_executions (workflow_id, started_at)`,
    sql`create index workflow_executions_organization_id_idx on workflow_executions (organization_id)`,
    ...tenantIsolation('workflow_executions'),

    sql`
      create table automation_rules (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        name text not null,
        match text not null,
        action text not null,
        cron text not null,
        timezone text not null default 'UTC',
        parameters jsonb not null default '{}',
        status automation_rule_status not null default 'enabled',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index automation_rules_organization_id_status_idx on automation_rules (organization_id, status)`,
    sql`create index automation_rules_user_id_idx on automation_rules (user_id)`,
    ...tenantIsolation('automation_rules'),
    keepUpdatedAt('automation_rules'),

    sql`
      create table automation_rule_runs (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        rule_id uuid not null references automation_rules (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        started_at timestamptz not null default now(),
        finished_at timestamptz,
        status operation_status not null default 'queued',
        details jsonb not null default '{}'
      )
    `,
    sql`create index automation_rule_runs_rule_id_idx on automation_rule_runs (rule_id, started_at desc)`,
    sql`create index automation_rule_runs_user_id_idx on automation_rule_runs (user_id)`,
    sql`create index automation_rule_runs_organization_id_idx on automation_rule_runs (organization_id)`,
    ...tenantIsolation('automation_rule_runs'),

    // The row is the source of truth for a BullMQ job: a reconciler re-enqueues queued/running
    // rows whose job was lost, hence the status index.
    sql`
      create table operations (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        resource_id uuid references resources (id) on delete set null,
        action_id uuid references actions (id) on delete set null,
        operation text not null,
        params jsonb not null default '{}',
        status operation_status not null default 'queued',
        attempts integer not null default 0,
        result jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint operations_attempts_not_negative check (attempts >= 0)
      )
    `,
    sql`create index operations_user_id_idx on operations (user_id)`,
    sql`create index operations_resource_id_idx on operations (resource_id)`,
    sql`create index operations_status_idx on operations (status)`,
    sql`create index operations_action_id_idx on operations (action_id)`,
    sql`create index operations_organization_id_idx on operations (organization_id, created_at desc)`,
    ...tenantIsolation('operations'),
    keepUpdatedAt('operations'),

    sql`
      create table terraform_states (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        state_file jsonb,
        last_updated timestamptz not null default now(),
        created_at timestamptz not null default now(),
        unique (organization_id, name)
      )
    `,
    ...tenantIsolation('terraform_states'),

    // nulls not distinct: an unversioned module is one module, not as many as get inserted.
    sql`
      create table terraform_modules (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        description text,
        source_url text,
        version text,
        variables jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique nulls not distinct (organization_id, name, version)
      )
    `,
    ...tenantIsolation('terraform_modules'),
    keepUpdatedAt('terraform_modules'),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, dropTables(ACTION_EXECUTOR_TABLES));
}
