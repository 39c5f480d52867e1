import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Terraform states in object storage (issue #18, point 1): an s3 backend, read from any
 * S3-compatible endpoint (AWS S3, GCS in interoperability mode, MinIO, Ceph) and pulled on the same
 * schedule as an HTTP backend. backend_etag is the ETag of the object last read, so a scheduled
 * pull of an unchanged object is a HEAD request, not a download.
 */
function pullSchedules(backends: 'pulled' | 'http') {
  const where = backends === 'pulled' ? sql`s.backend <> 'upload'` : sql`s.backend = 'http'`;
  return sql`
    create or replace function stratus_terraform_pull_schedules()
    returns table (terraform_state_id uuid, organization_id uuid, pull_interval_minutes integer)
    language sql
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    as $$
      select s.id, s.organization_id, s.pull_interval_minutes
        from public.terraform_states s
       where ${where}
    $$
  `;
}

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      alter table terraform_states
        drop constraint terraform_states_backend_check,
        add constraint terraform_states_backend_check check (backend in ('upload', 'http', 's3')),
        add column backend_etag text
    `,
    pullSchedules('pulled'),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`delete from terraform_states where backend = 's3'`,
    sql`
      alter table terraform_states
        drop constraint terraform_states_backend_check,
        add constraint terraform_states_backend_check check (backend in ('upload', 'http')),
        drop column backend_etag
    `,
    pullSchedules('http'),
  ]);
}
