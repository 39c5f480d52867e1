import { Argument, type Command } from 'commander';
import { NOTIFICATION_TYPES, type DeliveryChannel } from '@stratus/db';
import { apiClient } from '../api-client.ts';

interface Preference {
  notification_type: string;
  channels: DeliveryChannel[];
}

function describe(channel: DeliveryChannel): string {
  return channel.type === 'email' ? `email ${channel.to}` : `${channel.type} ${channel.url}`;
}

function print(preference: Preference): void {
  const channels = preference.channels.length > 0 ? `app, ${preference.channels.map(describe).join(', ')}` : 'app only';
  console.log(`${preference.notification_type.padEnd(30)}${channels}`);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function notificationsCommand(program: Command): void {
  const notifications = program
    .command('notifications')
    .description('where your notifications reach you besides the app (the audit API, STRATUS_AUDIT_URL)');
  const type = new Argument('<type>', 'the type of notification').choices(NOTIFICATION_TYPES);

  notifications
    .command('preferences')
    .description('list each type of notification with the channels it reaches you on')
    .action(async () => {
      const api = await apiClient('audit');
      const { data } = await api.request<{ data: Preference[] }>('GET', '/v1/notification-preferences');
      data.forEach(print);
    });

  notifications
    .command('prefer')
    .description('set the channels one type of notification reaches you on, replacing those it had')
    .addArgument(type)
    .option('--email <address>', 'an email address (repeatable)', collect)
    .option('--webhook <url>', 'an https URL that receives the signed JSON payload (repeatable)', collect)
    .option('--slack <url>', "a Slack incoming webhook's https URL (repeatable)", collect)
    .action(async (notificationType: string, options: { email?: string[]; webhook?: string[]; slack?: string[] }) => {
      const channels: DeliveryChannel[] = [
        ...(options.email ?? []).map((to) => ({ type: 'email' as const, to })),
        ...(options.webhook ?? []).map((url) => ({ type: 'webhook' as const, url })),
        ...(options.slack ?? []).map((url) => ({ type: 'slack' as const, url })),
      ];
      const api = await apiClient('audit');
      print(await api.request<Preference>('PUT', `/v1/notification-preferences/${notificationType}`, { json: { channels } }));
    });

  notifications
    .command('reset')
    .description('back to the default for one type of notification: in the app only')
    .addArgument(type)
    .action(async (notificationType: string) => {
      const api = await apiClient('audit');
      await api.request('DELETE', `/v1/notification-preferences/${notificationType}`);
      console.log(`${notificationType}: app only`);
    });
}
