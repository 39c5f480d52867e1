import type { Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import type { Outbox } from '@stratus/events';
import { AppError } from '@stratus/http';
import { evaluateBudgets } from './budget-evaluation.ts';
import { addDays } from '../../calendar.ts';
import { forecastToPeriodEnd } from '../../period-forecast.ts';
import { calendarPeriod, percentOf, periodContaining, type BudgetSchedule } from './budget-periods.ts';
import { spendIn } from './budget-spend.repository.ts';
import {
  deleteAlert,
  deleteBudget,
  findAlert,
  findBudget,
  findSameAlert,
  forgetFirings,
  insertAlert,
  insertBudget,
  listAlerts,
  lockBudget,
  unknownAccounts,
  updateAlert,
  updateBudget,
  type AlertRow,
  type AlertValues,
  type BudgetRow,
  type BudgetValues,
} from './budgets.repository.ts';
import type {
  Alert,
  Budget,
  BudgetDetail,
  BudgetFilters,
  CreateAlertInput,
  CreateBudgetInput,
  CurrentPeriod,
  UpdateAlertInput,
  UpdateBudgetInput,
} from './budgets.schemas.ts';

type Trx = Transaction<Database>;

/** Who is acting (the tenant of the transaction and the user), and which day it is (UTC). */
export interface BudgetContext {
  organizationId: string;
  userId: string;
  today: string;
  /** Where an evaluation's budget.threshold_crossed events go. */
  outbox: Outbox;
}

function budgetNotFound(id: string): AppError {
  return new AppError('not_found', `budget ${id} not found`);
}

function alertNotFound(budgetId: string, alertId: string): AppError {
  return new AppError('not_found', `alert ${alertId} of budget ${budgetId} not found`);
}

export function toBudget(row: BudgetRow): Budget {
  return {
    id: row.id,
    name: row.name,
    amount: row.amount,
    currency: row.currency,
    period: row.period,
    start_date: row.start_date,
    end_date: row.end_date,
    filters: row.filters,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    budget_id: row.budget_id,
    threshold: Number(row.threshold),
    threshold_type: row.threshold_type,
    notification_channels: row.notification_channels,
    last_fired_at: row.last_fired_at ?? null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

async function currentPeriodOf(trx: Trx, row: BudgetRow, today: string): Promise<CurrentPeriod | null> {
  const period = periodContaining(row, today);
  if (!period) return null;
  const { spend, billed } = await spendIn(trx, { ...row, filters: row.filters as BudgetFilters }, period, today);
  const forecast = forecastToPeriodEnd(period, today, billed);
  return {
    ...period,
    spend,
    forecast,
    percent_used: percentOf(spend, row.amount),
    forecast_percent: forecast === null ? null : percentOf(forecast, row.amount),
  };
}

/** The budget with its current period's spend, forecast and use, and its alerts. */
export async function getBudget(trx: Trx, id: string, today: string): Promise<BudgetDetail> {
  const row = await findBudget(trx, id);
  if (!row) throw budgetNotFound(id);
  const alerts = await listAlerts(trx, id);
  return { ...toBudget(row), current_period: await currentPeriodOf(trx, row, today), alerts: alerts.map(toAlert) };
}

async function requireAccounts(trx: Trx, filters: BudgetFilters | undefined): Promise<void> {
  const unknown = await unknownAccounts(trx, filters?.cloud_account_ids ?? []);
  if (unknown.length > 0) {
    throw new AppError('invalid', `invalid request: body.filters.cloud_account_ids names cloud accounts this organisation does not have: ${unknown.join(', ')}`, {
      details: { unknown_cloud_account_ids: unknown },
    });
  }
}

function requireEndAfterStart(schedule: BudgetSchedule): void {
  if (schedule.end_date !== null && schedule.end_date < schedule.start_date) {
    throw new AppError('invalid', `invalid request: end_date ${schedule.end_date} is before start_date ${schedule.start_date}`);
  }
}

/**
 * Judges the budget's current period at once, so a budget already past a threshold when it (or
 * the alert) is set up or changed announces it now rather than at the next cost import. Earlier
 * periods are left alone: setting up a budget does not replay its history as alerts.
 */
function evaluateToday(trx: Trx, context: BudgetContext, budgetId: string): Promise<number> {
  const { organizationId, today, outbox } = context;
  return evaluateBudgets(trx, outbox, { organizationId, from: today, to: addDays(today, 1) }, { today, budgetIds: [budgetId] });
}

/** The first day whose firings a changed definition invalidates: its current period's start, or today. */
function judgedAfresh(schedule: BudgetSchedule, today: string): string {
  return periodContaining(schedule, today)?.start ?? today;
}

export async function createBudget(trx: Trx, context: BudgetContext, input: CreateBudgetInput): Promise<BudgetDetail> {
  await requireAccounts(trx, input.filters);
  const values: BudgetValues = {
    name: input.name,
    amount: input.amount,
    currency: input.currency,
    period: input.period,
    start_date: input.start_date ?? calendarPeriod(input.period, context.today).start,
    end_date: input.end_date ?? null,
    filters: input.filters ?? {},
  };
  requireEndAfterStart(values);
  const id = await insertBudget(trx, { ...values, organization_id: context.organizationId, created_by: context.userId });
  // A new budget has no alerts yet: there is nothing to evaluate until one is added.
  return getBudget(trx, id, context.today);
}

/** What decides the budget's spend and thresholds; a change to any of it re-judges the current period. */
function definitionOf(row: BudgetRow): string {
  const { amount, currency, period, start_date, end_date, filters } = row;
  return JSON.stringify({ amount, currency, period, start_date, end_date, filters });
}

export async function changeBudget(trx: Trx, context: BudgetContext, id: string, input: UpdateBudgetInput): Promise<BudgetDetail> {
  const before = await lockBudget(trx, id);
  if (!before) throw budgetNotFound(id);
  const values: BudgetValues = {
    name: input.name ?? before.name,
    amount: input.amount ?? before.amount,
    currency: input.currency ?? before.currency,
    period: input.period ?? before.period,
    start_date: input.start_date ?? before.start_date,
    end_date: input.end_date === undefined ? before.end_date : input.end_date,
    filters: input.filters ?? (before.filters as BudgetFilters),
  };
  requireEndAfterStart(values);
  if (input.filters) await requireAccounts(trx, input.filters);
  await updateBudget(trx, id, values);
  // Read back so amounts and filters compare as the database normalises them ("100" = "100.000000").
  const after = (await findBudget(trx, id))!;
  if (definitionOf(after) !== definitionOf(before)) {
    await forgetFirings(trx, { budgetId: id }, judgedAfresh(after, context.today));
    await evaluateToday(trx, context, id);
  }
  return getBudget(trx, id, context.today);
}

export async function removeBudget(trx: Trx, id: string): Promise<void> {
  if (!(await deleteBudget(trx, id))) throw budgetNotFound(id);
}

async function requireDistinctAlert(trx: Trx, budgetId: string, alert: AlertValues, alertId?: string): Promise<void> {
  const same = await findSameAlert(trx, budgetId, alert);
  if (same && same.id !== alertId) {
    throw new AppError('conflict', `budget ${budgetId} already has a ${alert.threshold_type} alert at ${alert.threshold}% (alert ${same.id})`, {
      details: { budget_alert_id: same.id },
    });
  }
}

export async function getAlerts(trx: Trx, budgetId: string): Promise<Alert[]> {
  if (!(await findBudget(trx, budgetId))) throw budgetNotFound(budgetId);
  return (await listAlerts(trx, budgetId)).map(toAlert);
}

export async function createAlert(trx: Trx, context: BudgetContext, budgetId: string, input: CreateAlertInput): Promise<Alert> {
  if (!(await lockBudget(trx, budgetId))) throw budgetNotFound(budgetId);
  await requireDistinctAlert(trx, budgetId, input);
  const id = await insertAlert(trx, { ...input, organization_id: context.organizationId, budget_id: budgetId });
  await evaluateToday(trx, context, budgetId);
  return toAlert((await findAlert(trx, budgetId, id))!);
}

export async function changeAlert(
  trx: Trx,
  context: BudgetContext,
  budgetId: string,
  alertId: string,
  input: UpdateAlertInput,
): Promise<Alert> {
  const budget = await lockBudget(trx, budgetId);
  if (!budget) throw budgetNotFound(budgetId);
  const before = await findAlert(trx, budgetId, alertId);
  if (!before) throw alertNotFound(budgetId, alertId);
  const values: AlertValues = {
    threshold: input.threshold ?? Number(before.threshold),
    threshold_type: input.threshold_type ?? before.threshold_type,
    notification_channels: input.notification_channels ?? before.notification_channels,
  };
  await requireDistinctAlert(trx, budgetId, values, alertId);
  await updateAlert(trx, alertId, values);
  if (values.threshold !== Number(before.threshold) || values.threshold_type !== before.threshold_type) {
    await forgetFirings(trx, { budgetId, alertId }, judgedAfresh(budget, context.today));
    await evaluateToday(trx, context, budgetId);
  }
  return toAlert((await findAlert(trx, budgetId, alertId))!);
}

export async function removeAlert(trx: Trx, budgetId: string, alertId: string): Promise<void> {
  if (!(await findBudget(trx, budgetId))) throw budgetNotFound(budgetId);
  if (!(await deleteAlert(trx, budgetId, alertId))) throw alertNotFound(budgetId, alertId);
}
