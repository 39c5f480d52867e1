import type { Command } from 'commander';
import { runMigrations } from '@stratus/db';
import { cliConfig } from '../cli-config.ts';

export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply every pending database migration (DATABASE_URL), printing each one')
    .action(async () => {
      await runMigrations(cliConfig().DATABASE_URL, {
        info: (fields, message) => console.log(typeof fields.migration === 'string' ? `${message}: ${fields.migration}` : message),
      });
    });
}
