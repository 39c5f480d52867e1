import type { Transaction } from 'kysely';
import type { Database, TeamAccessLevel } from '@stratus/db';

/** Every function runs in the caller's tenant transaction: row-level security and the team policies scope it. */
type Trx = Transaction<Database>;

export function listGrants(trx: Trx, cloudAccountId: string) {
  return trx
    .selectFrom('cloud_account_teams')
    .innerJoin('teams', 'teams.id', 'cloud_account_teams.team_id')
    .select(['cloud_account_teams.team_id', 'teams.name as team_name', 'cloud_account_teams.access_level', 'cloud_account_teams.created_at'])
    .where('cloud_account_teams.cloud_account_id', '=', cloudAccountId)
    .orderBy('teams.name')
    .execute();
}

/** Grants the account to the team at this level, or changes the level of the grant it has. */
export async function grantAccount(trx: Trx, organizationId: string, cloudAccountId: string, teamId: string, level: TeamAccessLevel) {
  await trx
    .insertInto('cloud_account_teams')
    .values({ organization_id: organizationId, cloud_account_id: cloudAccountId, team_id: teamId, access_level: level })
    .onConflict((conflict) => conflict.columns(['cloud_account_id', 'team_id']).doUpdateSet({ access_level: level }))
    .execute();
}

/** Whether a grant was there to revoke. */
export async function revokeGrant(trx: Trx, cloudAccountId: string, teamId: string): Promise<boolean> {
  const deleted = await trx
    .deleteFrom('cloud_account_teams')
    .where('cloud_account_id', '=', cloudAccountId)
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

export async function teamExists(trx: Trx, teamId: string): Promise<boolean> {
  return (await trx.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst()) !== undefined;
}
