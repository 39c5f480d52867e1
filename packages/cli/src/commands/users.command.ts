import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { hashPassword, password, parseInput } from '@stratus/auth';
import { AppError } from '@stratus/http';
import { withOwnerDb } from '../cli-config.ts';

/** The first line of the file, so `echo secret > file` and an editor's trailing newline both work. */
function passwordFrom(file: string): string {
  const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  return parseInput(password, text.split(/\r?\n/)[0] ?? '');
}

export function usersCommand(program: Command): void {
  const users = program.command('users').description("people who sign in to the console (admin: as the database owner)");

  users
    .command('list')
    .description('list the users of an organisation, or of every organisation')
    .option('--org <id>', 'organisation id (printed by stratus bootstrap)')
    .action(async (options: { org?: string }) => {
      const rows = await withOwnerDb((db) =>
        db
          .selectFrom('users')
          .innerJoin('organizations', 'organizations.id', 'users.organization_id')
          .select(['users.id', 'users.email', 'users.role', 'users.status', 'users.mfa_enabled', 'users.last_login', 'organizations.name as organization'])
          .$if(options.org !== undefined, (query) => query.where('users.organization_id', '=', options.org!))
          .orderBy('organizations.name')
          .orderBy('users.email')
          .execute(),
      );
      for (const row of rows) {
        const login = row.last_login ? `last login ${row.last_login.toISOString()}` : 'never signed in';
        console.log(`${row.id}  ${row.email}  ${row.role}  ${row.status}${row.mfa_enabled ? '  totp' : ''}  ${row.organization}  ${login}`);
      }
    });

  users
    .command('set-password')
    .description("set a user's console password (argon2id; 12 to 256 characters)")
    .requiredOption('--email <email>', 'the user (emails are unique across organisations)')
    .requiredOption('--password-file <file>', 'a file whose first line is the password, or - for standard input (never an argument: it would stay in the shell history)')
    .action(async (options: { email: string; passwordFile: string }) => {
      const passwordHash = await hashPassword(passwordFrom(options.passwordFile));
      const email = options.email.trim().toLowerCase();
      const updated = await withOwnerDb((db) =>
        db.updateTable('users').set({ password_hash: passwordHash }).where('email', '=', email).returning('id').executeTakeFirst(),
      );
      if (!updated) throw new AppError('not_found', `no user with email ${email}: \`stratus users list\` shows them`);
      console.log(`password of ${email} set`);
    });
}
