import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

const ROLLUP_TABLES = ['cost_rollups', 'cost_tag_rollups', 'cost_resource_rollups'];

/**
 * Cost lines keep the precision billing exports carry. Exports write 10 and more decimals;
 * numeric(20, 6) rounded each line, and a 942-line account total drifted 1.1e-5 from the file's own
 * sum. Lines now hold 24 decimals with the same 14 digits before the point, and the rollups, being
 * sums, take numeric without a bound: a sum keeps its lines' scale and cannot overflow, so a day's
 * and a month's totals equal the file's sums exactly. (Amounts with more than 24 decimals are
 * rounded at the 24th by the importer, which says so.)
 *
 * stratus_amount_text shows an amount as the API always has, with at least 6 decimals, and with
 * more only when they are not zeros: '12.500000', '0.12345678901'.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter table cost_data alter column amount type numeric(38, 24)`,
    ...ROLLUP_TABLES.map((table) => sql`alter table ${sql.table(table)} alter column amount type numeric`),
    sql`
      create function stratus_amount_text(p_amount numeric) returns text
      language sql
      immutable
      parallel safe
      return round(p_amount, greatest(6, scale(trim_scale(p_amount))))::text
    `,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists stratus_amount_text(numeric)`,
    ...ROLLUP_TABLES.map((table) => sql`alter table ${sql.table(table)} alter column amount type numeric(20, 6)`),
    sql`alter table cost_data alter column amount type numeric(20, 6)`,
  ]);
}
