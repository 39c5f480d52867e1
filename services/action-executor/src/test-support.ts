import { createApiToken } from '@stratus/auth';
import type { StratusRole } from '@stratus/db';
import type { TestApp } from '@stratus/runtime/testing';

type App = Pick<TestApp<never>, 'database' | 'organizationId'>;

/** Another user of the test organisation, with a token of the role. */
export async function addUser(t: App, email: string, role: StratusRole): Promise<{ id: string; token: string }> {
  const user = await t.database.owner
    .insertInto('users')
    .values({ organization_id: t.organizationId, email, name: email })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = await createApiToken(t.database.owner, { organizationId: t.organizationId, userId: user.id, role, name: email });
  return { id: user.id, token: token.token };
}

export async function addAccount(t: App, name = 'prod'): Promise<string> {
  const account = await t.database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: t.organizationId, name, provider: 'AWS', account_id: String(Math.floor(Math.random() * 1e12)).padStart(12, '0') })
    .returning('id')
    .executeTakeFirstOrThrow();
  return account.id;
}

export async function addResource(t: App, cloudAccountId: string, tags: Record<string, string> = {}, costMonthly = '100'): Promise<string> {
  const row = await t.database.owner
    .insertInto('resources')
    .values({
      organization_id: t.organizationId,
      cloud_account_id: cloudAccountId,
      provider: 'AWS',
      provider_resource_id: `i-${Math.random().toString(16).slice(2)}`,
      type: 'vm',
      tags: JSON.stringify(tags),
      cost_monthly: costMonthly,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
