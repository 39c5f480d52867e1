import { sql, type Kysely } from 'kysely';
import { execute } from './ddl.ts';
import { ACTION_EXECUTOR_TABLES } from './action-executor.ts';
import { AUDIT_TABLES } from './audit.ts';
import { COST_TABLES } from './costs.ts';
import { IDENTITY_TABLES } from './identity.ts';
import { INVENTORY_TABLES } from './inventory.ts';
import { RECOMMENDATION_TABLES } from './recommendations.ts';

/** Each service writes only the tables it owns (ARCHITECTURE.md); every other table it reads. */
const WRITES: Record<string, string[]> = {
  stratus_ingestion: INVENTORY_TABLES,
  stratus_cost: COST_TABLES,
  stratus_recommendation: RECOMMENDATION_TABLES,
  stratus_action_executor: ACTION_EXECUTOR_TABLES,
  stratus_audit: ['notifications'],
};

/** The audit trail: its writer may only add rows. */
const APPENDS: Record<string, string[]> = {
  stratus_audit: ['activity_log', 'audit_logs'],
};

/**
 * Grants of the Foundation tables. Identity tables are written by the admin CLI as the owner.
 * Grants vanish with the tables in down(), so there is nothing to revoke there.
 */
export async function grantAccess(db: Kysely<any>): Promise<void> {
  // cloud_credentials is deliberately missing: only stratus_ingestion may touch it.
  const readable = [
    ...IDENTITY_TABLES,
    ...INVENTORY_TABLES,
    ...COST_TABLES,
    ...RECOMMENDATION_TABLES,
    ...ACTION_EXECUTOR_TABLES,
    ...AUDIT_TABLES,
    'v_costs_aggregates',
  ].filter((table) => table !== 'cloud_credentials');
  const tables = (names: string[]) => sql.join(names.map((name) => sql.table(name)));

  await execute(db, [
    sql`grant select on ${tables(readable)} to stratus_service`,
    sql`grant select on cloud_credentials to stratus_ingestion`,
    ...Object.entries(WRITES).map(
      ([role, owned]) => sql`grant insert, update, delete on ${tables(owned)} to ${sql.id(role)}`,
    ),
    ...Object.entries(APPENDS).map(([role, owned]) => sql`grant insert on ${tables(owned)} to ${sql.id(role)}`),
  ]);
}
