import { sql, type Transaction } from 'kysely';
import { newestFirst, type Database, type KeysetCursor, type WorkflowStatus } from '@stratus/db';
import type { WorkflowDefinition } from './workflow-definition.ts';

type Trx = Transaction<Database>;

export interface WorkflowInput {
  name: string;
  description: string | null;
  definition: WorkflowDefinition;
  status: WorkflowStatus;
}

const WORKFLOW_COLUMNS = ['id', 'organization_id', 'name', 'description', 'trigger_type', 'definition', 'status', 'created_by', 'created_at', 'updated_at'] as const;
const EXECUTION_COLUMNS = ['id', 'workflow_id', 'status', 'attempt', 'trigger_key', 'started_at', 'completed_at', 'triggered_by', 'results'] as const;

/** The columns a workflow's input sets: trigger_type follows the definition's trigger. */
function columnsOf(input: Partial<WorkflowInput>) {
  const { definition, ...rest } = input;
  return { ...rest, ...(definition ? { definition: JSON.stringify(definition), trigger_type: definition.trigger.type } : {}) };
}

export function listWorkflows(trx: Trx, page: { after: KeysetCursor | undefined; limit: number }) {
  return trx.selectFrom('workflows').select(WORKFLOW_COLUMNS).$call(newestFirst(page.after, page.limit)).execute();
}

export function getWorkflow(trx: Trx, id: string) {
  return trx.selectFrom('workflows').select(WORKFLOW_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function createWorkflow(trx: Trx, organizationId: string, userId: string, input: WorkflowInput) {
  return trx
    .insertInto('workflows')
    .values({
      organization_id: organizationId,
      created_by: userId,
      name: input.name,
      description: input.description,
      status: input.status,
      definition: JSON.stringify(input.definition),
      trigger_type: input.definition.trigger.type,
    })
    .returning(WORKFLOW_COLUMNS)
    .executeTakeFirstOrThrow();
}

export function updateWorkflow(trx: Trx, id: string, changes: Partial<WorkflowInput>) {
  if (Object.keys(changes).length === 0) return getWorkflow(trx, id);
  return trx.updateTable('workflows').set(columnsOf(changes)).where('id', '=', id).returning(WORKFLOW_COLUMNS).executeTakeFirst();
}

export async function deleteWorkflow(trx: Trx, id: string): Promise<boolean> {
  return (await trx.deleteFrom('workflows').where('id', '=', id).returning('id').executeTakeFirst()) !== undefined;
}

/** Executions of a workflow, newest first (started_at is their creation time). */
export function listExecutions(trx: Trx, workflowId: string, page: { after: KeysetCursor | undefined; limit: number }) {
  return trx
    .selectFrom('workflow_executions')
    .select([...EXECUTION_COLUMNS, sql<string>`started_at::text`.as('keyset_at')])
    .where('workflow_id', '=', workflowId)
    .$if(page.after !== undefined, (q) => q.where(sql<boolean>`(started_at, id) < (${page.after!.at}::timestamptz, ${page.after!.id}::uuid)`))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
}

export function getExecution(trx: Trx, id: string) {
  return trx.selectFrom('workflow_executions').select(EXECUTION_COLUMNS).where('id', '=', id).executeTakeFirst();
}
