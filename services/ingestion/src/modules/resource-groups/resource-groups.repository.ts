import { sql, type Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import { compileMatch, parseMatch } from '@stratus/match';

/** Every function runs in the caller's tenant transaction: row-level security and the team policies scope it. */
type Trx = Transaction<Database>;

const UNIQUE_VIOLATION = '23505';

export interface GroupInput {
  name?: string | undefined;
  description?: string | null | undefined;
  match?: string | null | undefined;
}

function selectGroups(trx: Trx) {
  return trx
    .selectFrom('resource_groups as g')
    .select((eb) => [
      'g.id',
      'g.cloud_account_id',
      'g.name',
      'g.description',
      'g.match',
      'g.created_at',
      'g.updated_at',
      eb.selectFrom('resource_group_memberships as m').select((count) => count.fn.countAll<string>().as('n')).whereRef('m.resource_group_id', '=', 'g.id').as('members'),
    ]);
}

export async function listGroups(trx: Trx, cloudAccountId: string | undefined) {
  return selectGroups(trx)
    .$if(cloudAccountId !== undefined, (query) => query.where('g.cloud_account_id', '=', cloudAccountId!))
    .orderBy('g.name')
    .orderBy('g.id')
    .execute();
}

export async function findGroup(trx: Trx, id: string) {
  return selectGroups(trx).where('g.id', '=', id).executeTakeFirst();
}

/** The new group's id, or null when its account has a group of that name. */
export async function insertGroup(trx: Trx, organizationId: string, cloudAccountId: string, input: GroupInput & { name: string }): Promise<string | null> {
  return trx
    .insertInto('resource_groups')
    .values({ organization_id: organizationId, cloud_account_id: cloudAccountId, name: input.name, description: input.description ?? null, match: input.match ?? null })
    .returning('id')
    .executeTakeFirstOrThrow()
    .then((row) => row.id)
    .catch((error: unknown) => {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return null;
      throw error;
    });
}

/** Whether the group was changed: false when its new name is taken. */
export async function changeGroup(trx: Trx, id: string, input: GroupInput): Promise<boolean> {
  const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  if (Object.keys(changes).length === 0) return true;
  return trx
    .updateTable('resource_groups')
    .set(changes)
    .where('id', '=', id)
    .execute()
    .then(() => true)
    .catch((error: unknown) => {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw error;
    });
}

export async function deleteGroup(trx: Trx, id: string): Promise<boolean> {
  const deleted = await trx.deleteFrom('resource_groups').where('id', '=', id).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

export async function listMembers(trx: Trx, groupId: string) {
  return trx
    .selectFrom('resource_group_memberships as m')
    .innerJoin('resources as r', 'r.id', 'm.resource_id')
    .select(['r.id', 'r.provider_resource_id', 'r.name', 'r.type', 'r.region', 'r.state', 'm.created_at'])
    .where('m.resource_group_id', '=', groupId)
    .orderBy('r.id')
    .execute();
}

/** Adds a resource of the group's account; false when the resource is not of that account. */
export async function addMember(trx: Trx, group: { id: string; cloud_account_id: string }, organizationId: string, resourceId: string): Promise<boolean> {
  const resource = await trx.selectFrom('resources').select('id').where('id', '=', resourceId).where('cloud_account_id', '=', group.cloud_account_id).executeTakeFirst();
  if (!resource) return false;
  await trx
    .insertInto('resource_group_memberships')
    .values({ organization_id: organizationId, resource_group_id: group.id, resource_id: resourceId })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
  return true;
}

export async function removeMember(trx: Trx, groupId: string, resourceId: string): Promise<boolean> {
  const deleted = await trx.deleteFrom('resource_group_memberships').where('resource_group_id', '=', groupId).where('resource_id', '=', resourceId).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

/**
 * Makes the members of the account's expression groups (or of one of them) exactly the resources
 * their expression matches now: the stale ones leave, the new ones join. Safe to run again: a
 * second run changes nothing.
 */
export async function refreshExpressionGroups(trx: Trx, cloudAccountId: string, groupId?: string): Promise<void> {
  const groups = await trx
    .selectFrom('resource_groups')
    .select(['id', 'organization_id', 'match'])
    .where('cloud_account_id', '=', cloudAccountId)
    .where('match', 'is not', null)
    .$if(groupId !== undefined, (query) => query.where('id', '=', groupId!))
    .execute();
  for (const group of groups) {
    const matching = trx.selectFrom('resources').select('id').where('cloud_account_id', '=', cloudAccountId).where(compileMatch(parseMatch(group.match!)));
    await trx.deleteFrom('resource_group_memberships').where('resource_group_id', '=', group.id).where('resource_id', 'not in', matching).execute();
    await trx
      .insertInto('resource_group_memberships')
      .columns(['resource_id', 'resource_group_id', 'organization_id'])
      .expression(matching.select([sql<string>`${group.id}::uuid`.as('resource_group_id'), sql<string>`${group.organization_id}::uuid`.as('organization_id')]))
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }
}
