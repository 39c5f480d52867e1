import { sql, type Transaction } from 'kysely';
import type { Database } from '@stratus/db';

/** The ids that are users of the organisation (a notification's user must be one). */
export async function usersOf(trx: Transaction<Database>, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await trx.selectFrom('users').select('id').where('id', 'in', ids).execute();
  const found = new Set(rows.map((row) => row.id));
  return ids.filter((id) => found.has(id));
}

/** Who requested the action, from the audit chain's record of its action.requested. */
export async function requesterOf(trx: Transaction<Database>, actionId: string): Promise<string | undefined> {
  const { rows } = await sql<{ requested_by: string | null }>`
    select details -> 'data' ->> 'requested_by' as requested_by
      from audit_logs
     where action = 'action.requested' and details -> 'data' ->> 'action_id' = ${actionId}
     limit 1
  `.execute(trx);
  const requester = rows[0]?.requested_by;
  return requester ? (await usersOf(trx, [requester]))[0] : undefined;
}

/** The organisation's on-call team (organizations.settings.on_call_team_id), when it names one of its teams. */
export async function onCallTeamOf(trx: Transaction<Database>, organizationId: string): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    select t.id
      from organizations o
      join teams t on t.organization_id = o.id and t.id::text = o.settings ->> 'on_call_team_id'
     where o.id = ${organizationId}
  `.execute(trx);
  return rows[0]?.id;
}

/** The teams that operate the resource's cloud account (an operate or admin grant): they run it, so they hear of its failures. */
export async function operatingTeamsOf(trx: Transaction<Database>, resourceId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('resources')
    .innerJoin('cloud_account_teams', 'cloud_account_teams.cloud_account_id', 'resources.cloud_account_id')
    .select('cloud_account_teams.team_id')
    .where('resources.id', '=', resourceId)
    .where('cloud_account_teams.access_level', 'in', ['operate', 'admin'])
    .orderBy('cloud_account_teams.team_id')
    .execute();
  return rows.map((row) => row.team_id);
}
