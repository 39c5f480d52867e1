import { sql, type Kysely } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CLOUD_PROVIDERS, UNLINKED_SUB_ACCOUNTS, type Database, type UnlinkedSubAccounts } from '@stratus/db';
import { day, text } from '@stratus/http';

/** An organisation that never chose keeps billing-only links: no cost is set aside unless asked. */
export const DEFAULT_UNLINKED_SUB_ACCOUNTS: UnlinkedSubAccounts = 'link';

/** What a billing import does with sub-accounts nobody linked when it does not say. */
export async function unlinkedSubAccountsSetting(trx: Kysely<Database>): Promise<UnlinkedSubAccounts> {
  const settings = await trx.selectFrom('cost_import_settings').select('unlinked_sub_accounts').executeTakeFirst();
  return settings?.unlinked_sub_accounts ?? DEFAULT_UNLINKED_SUB_ACCOUNTS;
}

const GROUPINGS = ['sub_account', 'provider', 'service', 'charge_category', 'day'] as const;
type Grouping = (typeof GROUPINGS)[number];

/** The columns each grouping adds to the group's key; sub-accounts are named by their latest import's SubAccountName. */
const GROUP_COLUMNS: Record<Grouping, readonly string[]> = {
  sub_account: ['provider', 'sub_account_id'],
  provider: ['provider'],
  service: ['service_name'],
  charge_category: ['charge_category'],
  day: ['charge_date'],
};

const amount = z.string().describe('summed exactly, as the file carries it');

interface UnassignedTotal {
  currency: string;
  rows: number;
  billed_cost: string;
  effective_cost: string;
  list_cost: string;
}

interface UnassignedGroup extends UnassignedTotal {
  provider?: (typeof CLOUD_PROVIDERS)[number];
  sub_account_id?: string;
  sub_account_name?: string | null;
  service_name?: string;
  charge_category?: string;
  charge_date?: string;
}
// Not a rowSchema: an organisation that never chose has no row, and answers the default.
const settingsSchema = z.object({
  unlinked_sub_accounts: z
    .enum(UNLINKED_SUB_ACCOUNTS)
    .describe('link: a billing-only account; unassigned: kept as unassigned cost; refuse: refused with the reason'),
  updated_at: z.date().nullable().describe('null while the organisation keeps the default'),
});

/**
 * Cost of sub-accounts no cloud account is linked to, that billing imports keep when told to
 * (unlinked_sub_accounts=unassigned or the organisation's setting), and the setting itself.
 */
export const unassignedCostsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/cost-import-settings',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: "The organisation's cost import settings",
        tags: ['cost-imports'],
        response: { 200: settingsSchema },
      },
    },
    async (request) =>
      request.withTenant(async (trx) => {
        const settings = await trx.selectFrom('cost_import_settings').select(['unlinked_sub_accounts', 'updated_at']).executeTakeFirst();
        return settings ?? { unlinked_sub_accounts: DEFAULT_UNLINKED_SUB_ACCOUNTS, updated_at: null };
      }),
  );

  app.put(
    '/cost-import-settings',
    {
      // Linking sub-accounts creates cloud accounts: the same permission as linking one.
      config: { permission: 'cloud_accounts:write' },
      schema: {
        summary: "Set what billing imports do with sub-accounts nobody linked",
        description: 'An import may still say otherwise with its unlinked_sub_accounts parameter.',
        tags: ['cost-imports'],
        body: z.object({ unlinked_sub_accounts: settingsSchema.shape.unlinked_sub_accounts }),
        response: { 200: settingsSchema },
      },
    },
    async (request) =>
      request.withTenant((trx) =>
        trx
          .insertInto('cost_import_settings')
          .values({ organization_id: request.auth.organizationId, unlinked_sub_accounts: request.body.unlinked_sub_accounts, updated_by: request.auth.userId })
          .onConflict((conflict) =>
            conflict.column('organization_id').doUpdateSet({ unlinked_sub_accounts: request.body.unlinked_sub_accounts, updated_by: request.auth.userId }),
          )
          .returning(['unlinked_sub_accounts', 'updated_at'])
          .executeTakeFirstOrThrow(),
      ),
  );

  app.get(
    '/unassigned-costs',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'Cost of sub-accounts no cloud account is linked to, summed by a grouping',
        description:
          'Rows that billing imports kept as unassigned cost (unlinked_sub_accounts=unassigned), per currency. A later import covering ' +
          'the same sub-account and days replaces them; once the sub-account is linked, importing its days again moves them to its account. ' +
          'The period is inclusive of both days.',
        tags: ['cost-imports'],
        querystring: z
          .object({
            from: day.optional(),
            to: day.optional(),
            provider: z.enum(CLOUD_PROVIDERS).optional(),
            sub_account_id: text({ max: 255 }).optional(),
            group_by: z.enum(GROUPINGS).default('sub_account'),
          })
          .refine((query) => !query.from || !query.to || query.from <= query.to, { error: 'to must not be before from', path: ['to'] }),
        response: {
          200: z.object({
            group_by: z.enum(GROUPINGS),
            groups: z.array(
              z.object({
                provider: z.enum(CLOUD_PROVIDERS).optional(),
                sub_account_id: z.string().optional(),
                sub_account_name: z.string().nullable().optional(),
                service_name: z.string().optional(),
                charge_category: z.string().optional(),
                charge_date: z.string().optional(),
                currency: z.string(),
                rows: z.number().int(),
                billed_cost: amount,
                effective_cost: amount,
                list_cost: amount,
              }),
            ),
            totals: z.array(z.object({ currency: z.string(), rows: z.number().int(), billed_cost: amount, effective_cost: amount, list_cost: amount })),
          }),
        },
      },
    },
    async (request) => {
      const { from, to, provider, sub_account_id, group_by } = request.query;
      return request.withTenant(async (trx) => {
        const kept = sql`
          select u.*, last_value(u.sub_account_name) over (partition by u.provider, u.sub_account_id order by b.created_at
                        rows between unbounded preceding and unbounded following) as latest_name
            from unassigned_costs u
            join billing_imports b on b.id = u.billing_import_id and b.status = 'routed'
           where true
             ${from ? sql`and u.charge_date >= ${from}` : sql``}
             ${to ? sql`and u.charge_date <= ${to}` : sql``}
             ${provider ? sql`and u.provider = ${provider}` : sql``}
             ${sub_account_id ? sql`and u.sub_account_id = ${sub_account_id}` : sql``}
        `;
        const sums = sql`
          sum(k.rows)::int as rows,
          stratus_amount_text(sum(k.billed_cost)) as billed_cost,
          stratus_amount_text(sum(k.effective_cost)) as effective_cost,
          stratus_amount_text(sum(k.list_cost)) as list_cost
        `;
        const keys = sql.join(GROUP_COLUMNS[group_by].map((column) => sql.ref(`k.${column}`)));
        const name = group_by === 'sub_account' ? sql`max(k.latest_name) as sub_account_name,` : sql``;
        const groups = await sql<UnassignedGroup>`
          select ${keys}, ${name} k.currency, ${sums}
            from (${kept}) k
           group by ${keys}, k.currency
           order by k.currency, sum(k.billed_cost) desc, ${keys}
        `.execute(trx);
        const totals = await sql<UnassignedTotal>`
          select k.currency, ${sums} from (${kept}) k group by k.currency order by k.currency
        `.execute(trx);
        return { group_by, groups: groups.rows, totals: totals.rows };
      });
    },
  );
};
