import { Command, CommanderError } from 'commander';
import { ConfigError } from '@stratus/config';
import { AppError } from '@stratus/http';
import { accountsCommand } from './commands/accounts.command.ts';
import { approvalsCommand } from './commands/approvals.command.ts';
import { actionsCommand } from './commands/actions.command.ts';
import { auditCommand } from './commands/audit.command.ts';
import { bootstrapCommand } from './commands/bootstrap.command.ts';
import { costsCommand } from './commands/costs.command.ts';
import { reportsCommand } from './commands/reports.command.ts';
import { recommendationsCommand } from './commands/recommendations.command.ts';
import { resourcesCommand } from './commands/resources.command.ts';
import { rulesCommand } from './commands/rules.command.ts';
import { schedulesCommand } from './commands/schedules.command.ts';
import { workflowsCommand } from './commands/workflows.command.ts';
import { credentialsCommand } from './commands/credentials.command.ts';
import { deadLettersCommand } from './commands/dead-letters.command.ts';
import { dbCommand } from './commands/db.command.ts';
import { groupsCommand } from './commands/groups.command.ts';
import { migrateCommand } from './commands/migrate.command.ts';
import { notificationsCommand } from './commands/notifications.command.ts';
import { policyCommand } from './commands/policy.command.ts';
import { teamsCommand } from './commands/teams.command.ts';
import { terraformCommand } from './commands/terraform.command.ts';
import { tokenCommand } from './commands/token.command.ts';
import { usersCommand } from './commands/users.command.ts';

/** Exit codes: 0 done, 1 the operation failed, 2 the input was wrong (fix the command and rerun). */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function buildProgram(): Command {
  const program = new Command('stratus')
    .description('Stratus: cloud accounts, resources, Terraform states, cost imports, recommendations, actions, automation rules and reports (over the API); database, organisations, users, tokens and keys (admin); dead letters (Kafka)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  dbCommand(program);
  migrateCommand(program);
  bootstrapCommand(program);
  tokenCommand(program);
  usersCommand(program);
  teamsCommand(program);
  credentialsCommand(program);
  accountsCommand(program);
  resourcesCommand(program);
  groupsCommand(program);
  terraformCommand(program);
  costsCommand(program);
  reportsCommand(program);
  recommendationsCommand(program);
  policyCommand(program);
  approvalsCommand(program);
  actionsCommand(program);
  rulesCommand(program);
  schedulesCommand(program);
  workflowsCommand(program);
  deadLettersCommand(program);
  auditCommand(program);
  notificationsCommand(program);
  // Subcommands throw instead of exiting, so main() decides every exit code.
  const overrideExits = (command: Command): void => {
    for (const sub of command.commands) {
      sub.exitOverride();
      overrideExits(sub);
    }
  };
  overrideExits(program);
  return program;
}

/** What to tell the operator; a missing schema is the usual first-run mistake, so it names the fix. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if ((error as { code?: string }).code === '42P01') {
    return `${(error as Error).message}: the database is not migrated, run \`stratus migrate\` first`;
  }
  return error instanceof Error ? error.message || error.name : String(error);
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the problem (or the help/version asked for).
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`stratus: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof AppError && error.kind !== 'unavailable') {
      process.stderr.write(`stratus: ${error.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`stratus: ${describe(error)}\n`);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv);
