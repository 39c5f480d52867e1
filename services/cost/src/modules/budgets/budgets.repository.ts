import type { Transaction } from 'kysely';
import {
  newestFirst,
  type BudgetPeriod,
  type BudgetThresholdType,
  type Database,
  type KeysetCursor,
  type NotificationChannel,
} from '@stratus/db';
import type { BudgetFilters } from './budgets.schemas.ts';

/** Every function runs in the caller's tenant transaction: row-level security scopes it to one organisation. */
type Trx = Transaction<Database>;

const BUDGET_COLUMNS = [
  'id',
  'organization_id',
  'name',
  'amount',
  'currency',
  'period',
  'start_date',
  'end_date',
  'filters',
  'created_by',
  'created_at',
  'updated_at',
] as const;

export type BudgetRow = NonNullable<Awaited<ReturnType<typeof findBudget>>>;

export function findBudget(trx: Trx, id: string) {
  return trx.selectFrom('budgets').select(BUDGET_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** The budget, locked until the transaction ends so concurrent changes and evaluations of it wait. */
export function lockBudget(trx: Trx, id: string) {
  return trx.selectFrom('budgets').select(BUDGET_COLUMNS).where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
}

export function listBudgets(trx: Trx, limit: number, after?: KeysetCursor) {
  return trx.selectFrom('budgets').select(BUDGET_COLUMNS).$call(newestFirst(after, limit)).execute();
}

export interface BudgetValues {
  name: string;
  amount: string;
  currency: string;
  period: BudgetPeriod;
  start_date: string;
  end_date: string | null;
  filters: BudgetFilters;
}

export async function insertBudget(
  trx: Trx,
  budget: BudgetValues & { organization_id: string; created_by: string },
): Promise<string> {
  const { id } = await trx
    .insertInto('budgets')
    .values({ ...budget, filters: JSON.stringify(budget.filters) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function updateBudget(trx: Trx, id: string, budget: BudgetValues): Promise<void> {
  await trx
    .updateTable('budgets')
    .set({ ...budget, filters: JSON.stringify(budget.filters) })
    .where('id', '=', id)
    .execute();
}

/** False when there was no such budget. Its alerts and their firings go with it (on delete cascade). */
export async function deleteBudget(trx: Trx, id: string): Promise<boolean> {
  const { numDeletedRows } = await trx.deleteFrom('budgets').where('id', '=', id).executeTakeFirst();
  return numDeletedRows > 0n;
}

/** The ids of those cloud accounts the organisation does not have. */
export async function unknownAccounts(trx: Trx, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const known = await trx.selectFrom('cloud_accounts').select('id').where('id', 'in', ids).execute();
  const knownIds = new Set(known.map((row) => row.id));
  return ids.filter((id) => !knownIds.has(id));
}

function selectAlerts(trx: Trx) {
  return trx
    .selectFrom('budget_alerts as a')
    .select((eb) => [
      'a.id',
      'a.budget_id',
      'a.threshold',
      'a.threshold_type',
      'a.notification_channels',
      'a.created_at',
      'a.updated_at',
      eb
        .selectFrom('budget_alert_firings as f')
        .select((f) => f.fn.max('f.fired_at').as('fired_at'))
        .whereRef('f.budget_alert_id', '=', 'a.id')
        .as('last_fired_at'),
    ]);
}

export type AlertRow = NonNullable<Awaited<ReturnType<typeof findAlert>>>;

export function listAlerts(trx: Trx, budgetId: string) {
  return selectAlerts(trx)
    .where('a.budget_id', '=', budgetId)
    .orderBy('a.threshold_type')
    .orderBy('a.threshold')
    .orderBy('a.id')
    .execute();
}

export function findAlert(trx: Trx, budgetId: string, alertId: string) {
  return selectAlerts(trx).where('a.budget_id', '=', budgetId).where('a.id', '=', alertId).executeTakeFirst();
}

/** Another alert of the budget with this threshold and type, if there is one. */
export function findSameAlert(trx: Trx, budgetId: string, alert: { threshold: number; threshold_type: BudgetThresholdType }) {
  return trx
    .selectFrom('budget_alerts')
    .select('id')
    .where('budget_id', '=', budgetId)
    .where('threshold', '=', String(alert.threshold))
    .where('threshold_type', '=', alert.threshold_type)
    .executeTakeFirst();
}

export interface AlertValues {
  threshold: number;
  threshold_type: BudgetThresholdType;
  notification_channels: NotificationChannel[];
}

export async function insertAlert(
  trx: Trx,
  alert: AlertValues & { organization_id: string; budget_id: string },
): Promise<string> {
  const { id } = await trx
    .insertInto('budget_alerts')
    .values({ ...alert, notification_channels: JSON.stringify(alert.notification_channels) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function updateAlert(trx: Trx, alertId: string, alert: AlertValues): Promise<void> {
  await trx
    .updateTable('budget_alerts')
    .set({ ...alert, notification_channels: JSON.stringify(alert.notification_channels) })
    .where('id', '=', alertId)
    .execute();
}

export async function deleteAlert(trx: Trx, budgetId: string, alertId: string): Promise<boolean> {
  const { numDeletedRows } = await trx
    .deleteFrom('budget_alerts')
    .where('budget_id', '=', budgetId)
    .where('id', '=', alertId)
    .executeTakeFirst();
  return numDeletedRows > 0n;
}

/**
 * Forgets which thresholds fired in the periods ending on or after `since`, so they are judged
 * afresh: used when a budget's or alert's definition changes, since those firings were judged
 * against what it no longer is. Earlier periods keep theirs and are never announced again.
 */
export async function forgetFirings(
  trx: Trx,
  target: { budgetId: string; alertId?: string },
  since: string,
): Promise<void> {
  await trx
    .deleteFrom('budget_alert_firings')
    .where('budget_id', '=', target.budgetId)
    .$if(target.alertId !== undefined, (q) => q.where('budget_alert_id', '=', target.alertId!))
    .where('period_end', '>=', since)
    .execute();
}
