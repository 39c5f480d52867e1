import type { EventHandler } from '@stratus/events';
import { notifyOnce } from './notifications.repository.ts';

/** "80.000000" and "USD" as "80.00 USD": amounts keep two decimals, or more when they have them. */
function money(amount: string, currency: string): string {
  const [whole, fraction = ''] = amount.split('.');
  return `${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')} ${currency}`;
}

function percent(value: string): string {
  return `${Number(value)}%`;
}

export const budgetThresholdCrossed: EventHandler<'budget.threshold_crossed'> = async (event, trx) => {
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
  await notifyOnce(trx, event, {
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
  });
};
