import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { announce } from './notifications.repository.ts';

/**
 * A report run's links, to the report's own channels (read from the report: addresses never travel
 * in events) and to the users who asked for report notifications. A report deleted since its run
 * has no channels left; its users' preferences still apply.
 */
export function reportGenerated(queues: Pick<Queues, 'enqueue'>): EventHandler<'report.generated'> {
  return async (event, trx) => {
    const { report_id, run_id, report_name, report_type, rows, csv_url, html_url, expires_at } = event.data;
    const report = await trx.selectFrom('reports').select('notification_channels').where('id', '=', report_id).executeTakeFirst();
    await announce(
      trx,
      queues,
      event,
      {
        type: 'report',
        title: `Report "${report_name}" is ready`,
        message: `${rows} rows. Summary: ${html_url} CSV: ${csv_url} (the links work until ${expires_at}).`,
        data: { report_id, run_id, report_name, report_type, rows, csv_url, html_url, expires_at },
      },
      { channels: report?.notification_channels ?? [] },
    );
  };
}
