import type { Kysely } from 'kysely';
import type { Database, TeamAccessLevel, TeamMemberRole } from '@stratus/db';

/**
 * Teams, their members and the cloud accounts granted to them: written by their services (teams
 * by the console, grants by ingestion, each in the caller's tenant transaction) and by the admin
 * CLI as the database owner, as createApiToken is.
 */

const UNIQUE_VIOLATION = '23505';

const TEAM_COLUMNS = ['id', 'name', 'description', 'created_at'] as const;

/** The organisation's teams with their members, by name. */
export async function listTeams(db: Kysely<Database>, organizationId: string) {
  const [teams, members] = await Promise.all([
    db.selectFrom('teams').select(TEAM_COLUMNS).where('organization_id', '=', organizationId).orderBy('name').execute(),
    db
      .selectFrom('user_teams')
      .innerJoin('users', 'users.id', 'user_teams.user_id')
      .select(['user_teams.team_id', 'user_teams.user_id', 'users.email', 'user_teams.role'])
      .where('user_teams.organization_id', '=', organizationId)
      .orderBy('users.email')
      .execute(),
  ]);
  return teams.map((team) => ({
    ...team,
    members: members.filter((member) => member.team_id === team.id).map(({ user_id, email, role }) => ({ user_id, email, role })),
  }));
}

/** The new team, or null when the organisation has a team of that name. */
export async function createTeam(db: Kysely<Database>, organizationId: string, input: { name: string; description?: string | undefined }) {
  return db
    .insertInto('teams')
    .values({ organization_id: organizationId, name: input.name, description: input.description ?? null })
    .returning(TEAM_COLUMNS)
    .executeTakeFirstOrThrow()
    .catch((error: unknown) => {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return null;
      throw error;
    });
}

/** The team as changed; undefined when there is no such team, null when the new name is taken. */
export async function updateTeam(db: Kysely<Database>, organizationId: string, id: string, input: { name?: string | undefined; description?: string | null | undefined }) {
  const changes = { ...(input.name === undefined ? {} : { name: input.name }), ...(input.description === undefined ? {} : { description: input.description }) };
  if (Object.keys(changes).length === 0) {
    return db.selectFrom('teams').select(TEAM_COLUMNS).where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  }
  return db
    .updateTable('teams')
    .set(changes)
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .returning(TEAM_COLUMNS)
    .executeTakeFirst()
    .catch((error: unknown) => {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return null;
      throw error;
    });
}

/** The deleted team (its members and account grants go with it), or undefined. */
export async function deleteTeam(db: Kysely<Database>, organizationId: string, id: string) {
  return db.deleteFrom('teams').where('id', '=', id).where('organization_id', '=', organizationId).returning(['id', 'name']).executeTakeFirst();
}

/**
 * Adds the user to the team with this role, or changes their role in it. Undefined when the team
 * or the user is not the organisation's.
 */
export async function setTeamMember(db: Kysely<Database>, organizationId: string, teamId: string, userId: string, role: TeamMemberRole) {
  const [team, user] = await Promise.all([
    db.selectFrom('teams').select(['id', 'name']).where('id', '=', teamId).where('organization_id', '=', organizationId).executeTakeFirst(),
    db.selectFrom('users').select('id').where('id', '=', userId).where('organization_id', '=', organizationId).executeTakeFirst(),
  ]);
  if (!team || !user) return undefined;
  await db
    .insertInto('user_teams')
    .values({ organization_id: organizationId, team_id: teamId, user_id: userId, role })
    .onConflict((conflict) => conflict.columns(['user_id', 'team_id']).doUpdateSet({ role }))
    .execute();
  return team;
}

/** The team the user left, or undefined when they were not a member. */
export async function removeTeamMember(db: Kysely<Database>, organizationId: string, teamId: string, userId: string) {
  const removed = await db
    .deleteFrom('user_teams')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .returning('team_id')
    .executeTakeFirst();
  if (!removed) return undefined;
  return db.selectFrom('teams').select(['id', 'name']).where('id', '=', teamId).executeTakeFirstOrThrow();
}

/** The teams a cloud account is granted to, by team name. */
export function listAccountGrants(db: Kysely<Database>, cloudAccountId: string) {
  return db
    .selectFrom('cloud_account_teams')
    .innerJoin('teams', 'teams.id', 'cloud_account_teams.team_id')
    .select(['cloud_account_teams.team_id', 'teams.name as team_name', 'cloud_account_teams.access_level', 'cloud_account_teams.created_at'])
    .where('cloud_account_teams.cloud_account_id', '=', cloudAccountId)
    .orderBy('teams.name')
    .execute();
}

/** Grants the account to the team at this level, or changes the level of the grant it has. */
export async function grantAccount(db: Kysely<Database>, organizationId: string, cloudAccountId: string, teamId: string, level: TeamAccessLevel): Promise<void> {
  await db
    .insertInto('cloud_account_teams')
    .values({ organization_id: organizationId, cloud_account_id: cloudAccountId, team_id: teamId, access_level: level })
    .onConflict((conflict) => conflict.columns(['cloud_account_id', 'team_id']).doUpdateSet({ access_level: level }))
    .execute();
}

/** Whether a grant was there to revoke. */
export async function revokeAccountGrant(db: Kysely<Database>, organizationId: string, cloudAccountId: string, teamId: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('cloud_account_teams')
    .where('organization_id', '=', organizationId)
    .where('cloud_account_id', '=', cloudAccountId)
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}
