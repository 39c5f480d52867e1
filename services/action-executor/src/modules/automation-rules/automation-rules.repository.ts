import { sql, type Insertable, type Transaction } from 'kysely';
import { newestFirst, type Database, type KeysetCursor } from '@stratus/db';
import type { RuleChanges, RunDetails } from './automation-rules.schemas.ts';

type Trx = Transaction<Database>;

const RULE_COLUMNS = ['id', 'organization_id', 'user_id', 'name', 'match', 'action', 'parameters', 'cron', 'timezone', 'status', 'max_resources', 'created_at', 'updated_at'] as const;
export const RUN_COLUMNS = ['id', 'rule_id', 'user_id', 'status', 'scheduled_for', 'started_at', 'finished_at', 'details'] as const;

export type RuleRow = NonNullable<Awaited<ReturnType<typeof getRule>>>;

/** Every query runs in the caller's tenant transaction: row-level security scopes it to one organisation. */
export function getRule(trx: Trx, id: string) {
  return trx.selectFrom('automation_rules').select(RULE_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function listRules(trx: Trx, after: KeysetCursor | undefined, limit: number) {
  return trx.selectFrom('automation_rules').select(RULE_COLUMNS).$call(newestFirst(after, limit)).execute();
}

export function insertRule(trx: Trx, rule: Insertable<Database['automation_rules']>) {
  return trx.insertInto('automation_rules').values(rule).returning(RULE_COLUMNS).executeTakeFirstOrThrow();
}

export function updateRule(trx: Trx, id: string, changes: RuleChanges) {
  const { parameters, ...rest } = changes;
  return trx
    .updateTable('automation_rules')
    .set({ ...rest, ...(parameters === undefined ? {} : { parameters: JSON.stringify(parameters) }) })
    .where('id', '=', id)
    .returning(RULE_COLUMNS)
    .executeTakeFirst();
}

export async function deleteRule(trx: Trx, id: string): Promise<boolean> {
  const deleted = await trx.deleteFrom('automation_rules').where('id', '=', id).returning('id').executeTakeFirst();
  return deleted !== undefined;
}

/** A rule's runs, newest first (served by (rule_id, started_at desc)). */
export function listRuns(trx: Trx, ruleId: string, after: KeysetCursor | undefined, limit: number) {
  return trx
    .selectFrom('automation_rule_runs')
    .select([...RUN_COLUMNS, sql<string>`started_at::text`.as('keyset_at')])
    .where('rule_id', '=', ruleId)
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(started_at, id) < (${after!.at}::timestamptz, ${after!.id}::uuid)`))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .$narrowType<{ details: RunDetails }>()
    .execute();
}

