import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../src/index.ts';

export interface Tenant {
  organizationId: string;
  userId: string;
  cloudAccountId: string;
  resourceId: string;
}

/** One organisation with a user, a cloud account and a resource, written as the owner. */
export async function seedTenant(owner: Kysely<Database>, name: string): Promise<Tenant> {
  const organization = await owner.insertInto('organizations').values({ name }).returning('id').executeTakeFirstOrThrow();
  const user = await owner
    .insertInto('users')
    .values({ organization_id: organization.id, email: `${randomUUID()}@example.com`, name: `${name} admin` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const account = await owner
    .insertInto('cloud_accounts')
    .values({
      organization_id: organization.id,
      user_id: user.id,
      name: `${name} production`,
      provider: 'AWS',
      account_id: String(Math.floor(Math.random() * 1e12)).padStart(12, '0'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const resource = await owner
    .insertInto('resources')
    .values({
      organization_id: organization.id,
      cloud_account_id: account.id,
      provider: 'AWS',
      provider_resource_id: `i-${randomUUID()}`,
      type: 'EC2',
      tags: JSON.stringify({ env: 'prod' }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { organizationId: organization.id, userId: user.id, cloudAccountId: account.id, resourceId: resource.id };
}
