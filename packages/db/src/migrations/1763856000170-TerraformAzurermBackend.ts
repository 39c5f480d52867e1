import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Terraform states in Azure blob storage (issue #18, point 1): Terraform's azurerm backend, pulled
 * on the same schedule as the http and s3 backends (the pull schedules take every backend but
 * upload already). backend_etag holds the blob's ETag as it holds an s3 object's.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      alter table terraform_states
        drop constraint terraform_states_backend_check,
        add constraint terraform_states_backend_check check (backend in ('upload', 'http', 's3', 'azurerm'))
    `,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`delete from terraform_states where backend = 'azurerm'`,
    sql`
      alter table terraform_states
        drop constraint terraform_states_backend_check,
        add constraint terraform_states_backend_check check (backend in ('upload', 'http', 's3'))
    `,
  ]);
}
