import { sql, type Transaction } from 'kysely';
import { newestFirst, type AutomationRuleStatus, type Database, type KeysetCursor } from '@stratus/db';

type Trx = Transaction<Database>;

export interface ScheduleInput {
  name: string;
  match: string;
  spec: string;
  holidays: string[];
  status: AutomationRuleStatus;
}

/** holidays as their 'YYYY-MM-DD' text: pg would turn a date[] into Dates at local midnight. */
const COLUMNS = ['id', 'name', 'match', 'spec', sql<string[]>`holidays::text[]`.as('holidays'), 'status', 'created_by', 'created_at', 'updated_at'] as const;

export function listSchedules(trx: Trx, page: { after: KeysetCursor | undefined; limit: number }) {
  return trx.selectFrom('schedules').select(COLUMNS).$call(newestFirst(page.after, page.limit)).execute();
}

/** Enabled schedules by name: the order in which they claim resources. */
export function enabledSchedules(trx: Trx) {
  return trx.selectFrom('schedules').select(COLUMNS).where('status', '=', 'enabled').orderBy('name').execute();
}

export function getSchedule(trx: Trx, id: string) {
  return trx.selectFrom('schedules').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function createSchedule(trx: Trx, organizationId: string, userId: string, input: ScheduleInput) {
  return trx
    .insertInto('schedules')
    .values({ organization_id: organizationId, created_by: userId, ...input })
    .onConflict((conflict) => conflict.columns(['organization_id', 'name']).doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
}

export function updateSchedule(trx: Trx, id: string, changes: Partial<ScheduleInput>) {
  if (Object.keys(changes).length === 0) return getSchedule(trx, id);
  return trx.updateTable('schedules').set(changes).where('id', '=', id).returning(COLUMNS).executeTakeFirst();
}

export async function deleteSchedule(trx: Trx, id: string): Promise<boolean> {
  const deleted = await trx.deleteFrom('schedules').where('id', '=', id).returning('id').executeTakeFirst();
  return deleted !== undefined;
}
