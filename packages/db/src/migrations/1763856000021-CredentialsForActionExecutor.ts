import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * The action executor carries out operations on the provider with the account's credentials
 * (@stratus/cloud `resolveAdapter`), so it reads cloud_credentials beside the ingestion service,
 * which alone writes them. No other role reads them: not the stratus_service group, not cost,
 * recommendation or audit.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`grant select on cloud_credentials to stratus_action_executor`]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`revoke select on cloud_credentials from stratus_action_executor`]);
}
