import { InvalidArgumentError, Option, type Command } from 'commander';
import { STRATUS_ROLES, createApiToken, revokeApiToken } from '@stratus/auth';
import { withOwnerDb } from '../cli-config.ts';

function positiveDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days <= 0) throw new InvalidArgumentError('give a positive whole number of days, e.g. 90');
  return days;
}

export function tokenCommand(program: Command): void {
  const token = program.command('token').description('create and revoke API tokens');

  token
    .command('create')
    .description('issue an API token for a user of an organisation')
    .requiredOption('--org <id>', 'organisation id (printed by stratus bootstrap)')
    .requiredOption('--user <id>', 'id of the user the token acts for')
    .addOption(new Option('--role <role>', 'what the token may do').choices(STRATUS_ROLES).makeOptionMandatory())
    .option('--name <name>', 'a label to recognise the token in lists', 'api token')
    .option('--expires-in-days <days>', 'days until the token stops working (default: never)', positiveDays)
    .action(async (options: { org: string; user: string; role: (typeof STRATUS_ROLES)[number]; name: string; expiresInDays?: number }) => {
      const issued = await withOwnerDb((db) =>
        createApiToken(db, {
          organizationId: options.org,
          userId: options.user,
          role: options.role,
          name: options.name,
          expiresInDays: options.expiresInDays,
        }),
      );
      console.log(`token id: ${issued.id}  (role ${issued.role}, ${issued.expiresAt ? `expires ${issued.expiresAt.toISOString()}` : 'never expires'})`);
      console.log(`token:    ${issued.token}`);
      console.log('');
      console.log('Store the token now: it is shown only this once and cannot be shown again (only its hash is kept).');
    });

  token
    .command('revoke')
    .description('revoke an API token (running services notice within 30 s)')
    .argument('<id>', 'the token id (printed when it was created)')
    .action(async (id: string) => {
      const revoked = await withOwnerDb((db) => revokeApiToken(db, id));
      console.log(`token ${revoked.id} revoked at ${revoked.revokedAt.toISOString()}`);
    });
}
