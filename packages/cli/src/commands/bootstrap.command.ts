import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { authenticate, bootstrapOrganization, createApiToken, hashToken, type IssuedApiToken } from '@stratus/auth';
import type { Database } from '@stratus/db';
import type { Kysely } from 'kysely';
import { withOwnerDb } from '../cli-config.ts';

interface BootstrapOptions {
  org: string;
  email: string;
  name?: string;
  tokenFile?: string;
  existingOk?: boolean;
}

async function readToken(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * For scripts that run again and again (scripts/dev.sh): when the admin already exists, keep the
 * stored token if it still works, otherwise issue the admin a new one.
 */
async function existingAdmin(db: Kysely<Database>, options: BootstrapOptions): Promise<'kept' | IssuedApiToken | undefined> {
  const admin = await db
    .selectFrom('users')
    .select(['id', 'organization_id'])
    .where('email', '=', options.email.trim().toLowerCase())
    .executeTakeFirst();
  if (!admin) return undefined;
  const stored = options.tokenFile ? await readToken(options.tokenFile) : undefined;
  if (stored && (await authenticate(db, hashToken(stored)))?.userId === admin.id) return 'kept';
  return createApiToken(db, { organizationId: admin.organization_id, userId: admin.id, role: 'admin', name: 'bootstrap' });
}

export function bootstrapCommand(program: Command): void {
  program
    .command('bootstrap')
    .description('create an organisation, its first admin user and an admin API token')
    .requiredOption('--org <name>', 'name of the new organisation')
    .requiredOption('--email <email>', "the admin's email address (unique across organisations)")
    .option('--name <name>', "the admin's display name (defaults to the email)")
    .option('--token-file <path>', 'write the token to this file (mode 600) instead of printing it')
    .option('--existing-ok', 'when the admin already exists, keep the token in --token-file if it still works, else issue a new one')
    .action(async (options: BootstrapOptions) => {
      const token = await withOwnerDb(async (db) => {
        const existing = options.existingOk ? await existingAdmin(db, options) : undefined;
        if (existing === 'kept') return 'kept' as const;
        if (existing) return existing;
        const { organization, user, token } = await bootstrapOrganization(db, {
          organizationName: options.org,
          adminEmail: options.email,
          adminName: options.name,
        });
        console.log(`organization id: ${organization.id}  (${organization.name})`);
        console.log(`admin user id:   ${user.id}  (${user.email})`);
        return token;
      });
      if (token === 'kept') {
        console.log(`${options.email} already exists; the token in ${options.tokenFile} still works`);
        return;
      }
      console.log(`admin token id:  ${token.id}`);
      if (options.tokenFile) {
        await writeFile(options.tokenFile, `${token.token}\n`, { mode: 0o600 });
        console.log(`admin token:     written to ${options.tokenFile}`);
        return;
      }
      console.log(`admin token:     ${token.token}`);
      console.log('');
      console.log('Store the token now: it is shown only this once and cannot be shown again (only its hash is kept).');
      console.log('Send it as "Authorization: Bearer <token>".');
    });
}
