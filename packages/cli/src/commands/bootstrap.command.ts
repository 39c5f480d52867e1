import type { Command } from 'commander';
import { bootstrapOrganization } from '@stratus/auth';
import { withOwnerDb } from '../cli-config.ts';

export function bootstrapCommand(program: Command): void {
  program
    .command('bootstrap')
    .description('create an organisation, its first admin user and an admin API token')
    .requiredOption('--org <name>', 'name of the new organisation')
    .requiredOption('--email <email>', "the admin's email address (unique across organisations)")
    .option('--name <name>', "the admin's display name (defaults to the email)")
    .action(async (options: { org: string; email: string; name?: string }) => {
      const { organization, user, token } = await withOwnerDb((db) =>
        bootstrapOrganization(db, { organizationName: options.org, adminEmail: options.email, adminName: options.name }),
      );
      console.log(`organization id: ${organization.id}  (${organization.name})`);
      console.log(`admin user id:   ${user.id}  (${user.email})`);
      console.log(`admin token id:  ${token.id}`);
      console.log(`admin token:     ${token.token}`);
      console.log('');
      console.log('Store the token now: it is shown only this once and cannot be shown again (only its hash is kept).');
      console.log('Send it as "Authorization: Bearer <token>".');
    });
}
