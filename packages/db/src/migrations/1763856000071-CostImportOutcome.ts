import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * One status for an import, end to end. ingestion's cost_imports said 'completed' once the file
 * was read and its batches published, while the cost store could still refuse them: an import now
 * is 'applying' until the cost store answers (cost_import.applied / cost_import.refused), then
 * 'applied' or 'refused' with the cost store's reason in `error`. The cost store records a refusal
 * on its side as the progress status 'refused'.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter table cost_imports drop constraint cost_imports_status_check`,
    sql`
      update cost_imports i
         set status = case when p.status = 'applied' then 'applied' else 'applying' end
        from cost_import_progress p
       where p.import_id = i.id and i.status = 'completed'
    `,
    // An import the cost store never heard of (its batches lost before this migration) stays waiting.
    sql`update cost_imports set status = 'applying' where status = 'completed'`,
    sql`alter table cost_imports add constraint cost_imports_status_check check (status in ('running', 'applying', 'applied', 'refused', 'failed'))`,
    sql`alter table cost_imports add column settled_at timestamptz`,
    sql`comment on column cost_imports.settled_at is 'when the cost store applied or refused the import'`,
    // The import report: rows and amounts kept and refused per provider, sub-account and charge
    // category, and the refused rows grouped by reason (see ImportBreakdown in ingestion).
    sql`alter table cost_imports add column breakdown jsonb`,
    sql`alter table cost_import_progress drop constraint cost_import_progress_status_check`,
    sql`alter table cost_import_progress add constraint cost_import_progress_status_check check (status in ('receiving', 'applied', 'abandoned', 'refused'))`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter table cost_import_progress drop constraint cost_import_progress_status_check`,
    sql`update cost_import_progress set status = 'abandoned' where status = 'refused'`,
    sql`alter table cost_import_progress add constraint cost_import_progress_status_check check (status in ('receiving', 'applied', 'abandoned'))`,
    sql`alter table cost_imports drop column breakdown`,
    sql`alter table cost_imports drop column settled_at`,
    sql`alter table cost_imports drop constraint cost_imports_status_check`,
    sql`update cost_imports set status = case when status in ('applying', 'applied') then 'completed' when status = 'refused' then 'failed' else status end`,
    sql`alter table cost_imports add constraint cost_imports_status_check check (status in ('running', 'completed', 'failed'))`,
  ]);
}
