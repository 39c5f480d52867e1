/**
 * Cost lines of one old month written straight into cost_data by the database owner, as applied
 * imports leave them: for the archive tests and the archive benchmark.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@stratus/db';

export interface ArchiveMonthSeed {
  organizationId: string;
  cloudAccountId: string;
  /** The month's first day, 'YYYY-MM-DD'. */
  month: string;
  lines: number;
  /** Given to every third line. */
  resourceId?: string;
}

/**
 * `lines` lines spread over the month's days and hours: amounts of up to ±2 with up to 24 decimals
 * (a few negative, as credits are), one line in ten in EUR, a region and resource on some, tags on all.
 */
export async function seedArchiveMonth(owner: Kysely<Database>, seed: ArchiveMonthSeed): Promise<void> {
  await sql`select ensure_cost_data_partitions(${seed.month}::date, 1)`.execute(owner);
  await sql`
    insert into cost_data (organization_id, cloud_account_id, resource_id, provider, service, region, "timestamp", amount, currency,
                           granularity, dimensions, provider_resource_id)
    select ${seed.organizationId}::uuid, ${seed.cloudAccountId}::uuid,
           case when i % 3 = 0 then ${seed.resourceId ?? null}::uuid end, 'AWS',
           case when i % 4 = 0 then 'AmazonS3' else 'AmazonEC2' end,
           case when i % 5 = 0 then null else 'eu-west-1' end,
           (${seed.month}::date at time zone 'UTC') + (i % 28) * interval '1 day' + (i % 24) * interval '1 hour' + (i % 997) * interval '1 microsecond',
           ((i::bigint * 7919) % 2000001 - 300000)::numeric / 1000000 + (i % 13) * 0.000000000000000000000001,
           case when i % 10 = 0 then 'EUR' else 'USD' end,
           'daily',
           jsonb_build_object('tags', jsonb_build_object('team', 'team-' || (i % 7)), 'charge_category', 'Usage'),
           case when i % 3 = 0 then 'i-' || (i % 50) end
      from generate_series(1, ${seed.lines}::integer) as i
  `.execute(owner);
}

/** Count, sums per currency, and a digest of every column of every line of the month. */
export async function monthFingerprint(owner: Kysely<Database>, month: string) {
  const { rows } = await sql<{ rows: number; sums: Record<string, string>; digest: string | null }>`
    with lines as (
      select * from cost_data
       where "timestamp" >= (${month}::date at time zone 'UTC') and "timestamp" < ((${month}::date + interval '1 month') at time zone 'UTC')
    ), sums as (select currency, stratus_amount_text(sum(amount)) as amount from lines group by currency)
    select (select count(*)::integer from lines) as rows,
           (select coalesce(jsonb_object_agg(currency, amount), '{}') from sums) as sums,
           (select md5(string_agg(l::text, ',' order by l.id)) from lines l) as digest
  `.execute(owner);
  return rows[0]!;
}
