import type { JsonObject } from '@stratus/db';
import type { EventEnvelope, EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { channelsOfAlert, isDeliveryChannel } from '../modules/deliveries/deliveries.repository.ts';
import { announce } from './notifications.repository.ts';

/** "80.000000" and "USD" as "80.00 USD": amounts keep two decimals, or more when they have them. */
function money(amount: string, currency: string): string {
  const [whole, fraction = ''] = amount.split('.');
  return `${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')} ${currency}`;
}

function percent(value: string): string {
  return `${Number(value)}%`;
}

/** The body POSTed to webhook channels, documented in the README ("Alert channels"). */
export function budgetAlertPayload(event: EventEnvelope<'budget.threshold_crossed'>): JsonObject {
  const { budget_id, budget_name, budget_alert_id, threshold, threshold_type, period_start, period_end, spend, forecast, budget_amount, currency } =
    event.data;
  return {
    id: event.id,
    type: event.type,
    occurred_at: event.time,
    budget: { id: budget_id, name: budget_name },
    budget_alert_id: budget_alert_id ?? null,
    threshold,
    threshold_type,
    period: { start: period_start, end: period_end },
    spend,
    ...(forecast !== undefined ? { forecast } : {}),
    amount: budget_amount,
    currency,
  };
}

/**
 * One in-app notification per crossing, and one delivery per email, webhook and Slack channel of the
 * alert (read from budget_alerts: addresses never travel in events) and of the users who asked for
 * budget alerts (see announce).
 */
export function budgetThresholdCrossed(queues: Pick<Queues, 'enqueue'>): EventHandler<'budget.threshold_crossed'> {
  return async (event, trx) => {
    const { budget_id, budget_alert_id, budget_name, threshold, threshold_type, period_start, period_end, spend, forecast, budget_amount, currency } =
      event.data;
    const period = `${period_start} to ${period_end}`;
    const budget = money(budget_amount, currency);
    const notification =
      threshold_type === 'forecast'
        ? {
            title: `Budget "${budget_name}" is forecast to reach ${percent(threshold)}`,
            message:
              `Spend for ${period} is forecast to reach ${forecast !== undefined ? money(forecast, currency) : `${percent(threshold)} of the budget`}` +
              ` by the end of the period, against a budget of ${budget}; ${money(spend, currency)} spent so far.`,
          }
        : {
            title: `Budget "${budget_name}" reached ${percent(threshold)}`,
            message: `Spend for ${period} is ${money(spend, currency)}, ${percent(threshold)} or more of the budget of ${budget}.`,
          };
    // An alert deleted since it fired has no channels of its own left; its users' preferences still apply.
    const channels = budget_alert_id === undefined ? [] : (await channelsOfAlert(trx, budget_alert_id)).filter(isDeliveryChannel);
    await announce(trx, queues, event, {
      type: 'budget_alert',
      ...notification,
      data: {
        budget_id,
        ...(budget_alert_id !== undefined ? { budget_alert_id } : {}),
        budget_name,
        threshold,
        threshold_type,
        period_start,
        period_end,
        spend,
        ...(forecast !== undefined ? { forecast } : {}),
        budget_amount,
        currency,
      },
    }, { channels, payload: budgetAlertPayload(event) });
  };
}
