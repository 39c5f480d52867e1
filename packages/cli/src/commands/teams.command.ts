import { Option, type Command } from 'commander';
import { createTeam, deleteTeam, grantAccount, listTeams, removeTeamMember, revokeAccountGrant, setTeamMember } from '@stratus/auth';
import type { Transaction } from 'kysely';
import { TEAM_ACCESS_LEVELS, TEAM_MEMBER_ROLES, type Database, type TeamAccessLevel, type TeamMemberRole } from '@stratus/db';
import { outboxOf, type EventDataInput } from '@stratus/events';
import { AppError } from '@stratus/http';
import { withOwnerDb } from '../cli-config.ts';

const org = ['--org <id>', 'organisation id (printed by stratus bootstrap)'] as const;

/** Runs fn as the owner (who passes row-level security: each query names the organisation), in one transaction. */
const inOrganisation = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => withOwnerDb((db) => db.transaction().execute(fn));

/**
 * A change made here is announced as the console (teams) or ingestion (grants) announces it, in
 * the same transaction, so the audit trail and subscribers see it whoever made it: the service's
 * relay publishes it. user_id is null: the database owner is nobody of the organisation.
 */
const teamChanged = (trx: Transaction<Database>, tenant: string, data: Omit<EventDataInput<'team.changed'>, 'user_id'>) =>
  outboxOf('console').publish(trx, 'team.changed', { tenant, data: { ...data, user_id: null } });
const accessChanged = (trx: Transaction<Database>, tenant: string, data: Omit<EventDataInput<'cloud_account.access_changed'>, 'user_id'>) =>
  outboxOf('ingestion').publish(trx, 'cloud_account.access_changed', { tenant, data: { ...data, user_id: null } });

export function teamsCommand(program: Command): void {
  const teams = program
    .command('teams')
    .description("teams of people and the cloud accounts granted to them (admin: as the database owner); members who are not admins reach their teams' accounts only");

  teams
    .command('list')
    .description("the organisation's teams, their members and the accounts granted to them")
    .requiredOption(...org)
    .action(async (options: { org: string }) => {
      const { rows, grants } = await inOrganisation(async (trx) => ({
        rows: await listTeams(trx, options.org),
        grants: await trx
          .selectFrom('cloud_account_teams')
          .innerJoin('cloud_accounts', 'cloud_accounts.id', 'cloud_account_teams.cloud_account_id')
          .select(['cloud_account_teams.team_id', 'cloud_accounts.id', 'cloud_accounts.name', 'cloud_account_teams.access_level'])
          .where('cloud_account_teams.organization_id', '=', options.org)
          .orderBy('cloud_accounts.name')
          .execute(),
      }));
      for (const team of rows) {
        console.log(`${team.id}  ${team.name}${team.description ? `  (${team.description})` : ''}`);
        for (const member of team.members) console.log(`  member   ${member.user_id}  ${member.email}  ${member.role}`);
        for (const grant of grants.filter((each) => each.team_id === team.id)) console.log(`  account  ${grant.id}  ${grant.name}  ${grant.access_level}`);
      }
    });

  teams
    .command('create')
    .description('create a team')
    .requiredOption(...org)
    .requiredOption('--name <name>', 'unique in the organisation')
    .option('--description <text>', 'what the team is for')
    .action(async (options: { org: string; name: string; description?: string }) => {
      const team = await inOrganisation(async (trx) => {
        const created = await createTeam(trx, options.org, { name: options.name, description: options.description });
        if (created) await teamChanged(trx, options.org, { team_id: created.id, change: 'created', name: created.name });
        return created;
      });
      if (!team) throw new AppError('conflict', `a team named ${options.name} exists already: \`stratus teams list --org ${options.org}\` shows it`);
      console.log(`team ${team.name} created as ${team.id}`);
    });

  teams
    .command('delete')
    .description('delete a team: its members lose the accounts it was granted')
    .requiredOption(...org)
    .argument('<team-id>')
    .action(async (teamId: string, options: { org: string }) => {
      const team = await inOrganisation(async (trx) => {
        const deleted = await deleteTeam(trx, options.org, teamId);
        if (deleted) await teamChanged(trx, options.org, { team_id: deleted.id, change: 'deleted', name: deleted.name });
        return deleted;
      });
      if (!team) throw new AppError('not_found', `no team ${teamId} in organisation ${options.org}`);
      console.log(`team ${team.name} deleted`);
    });

  teams
    .command('add-member')
    .description('add a user to a team, or change their role in it')
    .requiredOption(...org)
    .argument('<team-id>')
    .requiredOption('--user <id>', 'the user (stratus users list shows them)')
    .addOption(new Option('--role <role>', "the member's role in the team").choices(TEAM_MEMBER_ROLES).default('member'))
    .action(async (teamId: string, options: { org: string; user: string; role: TeamMemberRole }) => {
      const team = await inOrganisation(async (trx) => {
        const set = await setTeamMember(trx, options.org, teamId, options.user, options.role);
        if (set) await teamChanged(trx, options.org, { team_id: teamId, change: 'member_set', name: set.name, member_user_id: options.user, member_role: options.role });
        return set;
      });
      if (!team) throw new AppError('not_found', `no team ${teamId} or no user ${options.user} in organisation ${options.org}`);
      console.log(`user ${options.user} is a ${options.role} of team ${team.name}`);
    });

  teams
    .command('remove-member')
    .description('remove a user from a team')
    .requiredOption(...org)
    .argument('<team-id>')
    .requiredOption('--user <id>', 'the user')
    .action(async (teamId: string, options: { org: string; user: string }) => {
      const team = await inOrganisation(async (trx) => {
        const left = await removeTeamMember(trx, options.org, teamId, options.user);
        if (left) await teamChanged(trx, options.org, { team_id: teamId, change: 'member_removed', name: left.name, member_user_id: options.user });
        return left;
      });
      if (!team) throw new AppError('not_found', `user ${options.user} is not a member of team ${teamId}`);
      console.log(`user ${options.user} removed from team ${team.name}`);
    });

  teams
    .command('grant')
    .description('grant a cloud account to a team at an access level (read: see it; operate: act on its resources; admin: change it and its grants)')
    .requiredOption(...org)
    .argument('<team-id>')
    .requiredOption('--account <id>', 'the cloud account (stratus accounts list shows them)')
    .addOption(new Option('--level <level>', 'the access level').choices(TEAM_ACCESS_LEVELS).makeOptionMandatory())
    .action(async (teamId: string, options: { org: string; account: string; level: TeamAccessLevel }) => {
      await inOrganisation(async (trx) => {
        const [team, account] = await Promise.all([
          trx.selectFrom('teams').select('id').where('id', '=', teamId).where('organization_id', '=', options.org).executeTakeFirst(),
          trx.selectFrom('cloud_accounts').select('id').where('id', '=', options.account).where('organization_id', '=', options.org).executeTakeFirst(),
        ]);
        if (!team || !account) throw new AppError('not_found', `no team ${teamId} or no cloud account ${options.account} in organisation ${options.org}`);
        await grantAccount(trx, options.org, options.account, teamId, options.level);
        await accessChanged(trx, options.org, { cloud_account_id: options.account, team_id: teamId, access_level: options.level });
      });
      console.log(`cloud account ${options.account} granted to team ${teamId} at ${options.level}`);
    });

  teams
    .command('revoke')
    .description("revoke a team's access to a cloud account")
    .requiredOption(...org)
    .argument('<team-id>')
    .requiredOption('--account <id>', 'the cloud account')
    .action(async (teamId: string, options: { org: string; account: string }) => {
      const revoked = await inOrganisation(async (trx) => {
        const gone = await revokeAccountGrant(trx, options.org, options.account, teamId);
        if (gone) await accessChanged(trx, options.org, { cloud_account_id: options.account, team_id: teamId, access_level: null });
        return gone;
      });
      if (!revoked) throw new AppError('not_found', `cloud account ${options.account} is not granted to team ${teamId}`);
      console.log(`team ${teamId} no longer reaches cloud account ${options.account}`);
    });
}
