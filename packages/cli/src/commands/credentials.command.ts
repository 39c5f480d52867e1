import { InvalidArgumentError, type Command } from 'commander';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { loadConfig } from '@stratus/config';
import type { Database } from '@stratus/db';
import { credentialsKeys, generateKey, rewrapSecret, type EncryptedSecret, type Keyring } from '@stratus/vault';
import { withOwnerDb } from '../cli-config.ts';

const credentialsEnv = z.object({ CREDENTIALS_KEYS: credentialsKeys });

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('give a positive whole number, e.g. 500');
  return number;
}

/** A kid that says when the key was made, so CREDENTIALS_KEYS reads as a history: k20260115. */
function datedKid(): string {
  return `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/**
 * The columns sealed under CREDENTIALS_KEYS: the table, the column that identifies (and orders) its
 * rows, the sealed column, and the column mirroring the envelope's kid where the table keeps one
 * (else the envelope's own kid is read). A sealed column may be null (a state not uploaded yet).
 */
const SEALED_COLUMNS = [
  { table: 'cloud_credentials', id: 'id', column: 'secret', kid: 'key_id' },
  { table: 'webhook_signing_secrets', id: 'organization_id', column: 'secret', kid: 'key_id' },
  { table: 'user_totp_secrets', id: 'user_id', column: 'secret', kid: 'key_id' },
  { table: 'terraform_states', id: 'id', column: 'state_file', kid: null },
  { table: 'terraform_states', id: 'id', column: 'backend_config', kid: null },
] as const;

type SealedColumn = (typeof SEALED_COLUMNS)[number];

const labelOf = ({ table, column }: SealedColumn) => (column === 'secret' ? table : `${table}.${column}`);

/** The column's secrets not under the active key. */
function notUnder({ column, kid }: SealedColumn, active: string) {
  return kid === null
    ? sql<boolean>`${sql.ref(column)} is not null and ${sql.ref(column)} ->> 'kid' <> ${active}`
    : sql<boolean>`${sql.ref(kid)} <> ${active}`;
}

interface RotationResult {
  rewrapped: number;
  /** The kids the re-wrapped secrets were under. */
  from: string[];
  to: string;
  failed: { id: string; reason: string }[];
}

/**
 * Re-wraps the data key of every secret of the column not under the active key. Each batch is one
 * transaction holding its rows locked, so a secret replaced through the API meanwhile is never
 * overwritten with its old value; the payloads are not decrypted. Rows are walked by id, so one
 * that fails (its key is missing from the keyring) is reported once and skipped.
 */
async function rotateColumn(
  db: Kysely<Database>,
  sealed: SealedColumn,
  keyring: Keyring,
  { batchSize, onBatch }: { batchSize: number; onBatch: (done: number) => void },
): Promise<RotationResult> {
  const { table, id, column, kid } = sealed;
  const to = keyring.active;
  const result: RotationResult = { rewrapped: 0, from: [], to, failed: [] };
  const from = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const rows = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ id: string; secret: EncryptedSecret }>`
        select ${sql.ref(id)}::text as id, ${sql.ref(column)} as secret
          from ${sql.table(table)}
         where ${notUnder(sealed, to)} ${after === undefined ? sql`` : sql`and ${sql.ref(id)}::text > ${after}`}
         order by ${sql.ref(id)}::text
         limit ${batchSize}
           for update
      `.execute(trx);
      for (const row of rows) {
        let secret;
        try {
          secret = rewrapSecret(keyring, row.secret);
        } catch (error) {
          result.failed.push({ id: row.id, reason: error instanceof Error ? error.message : String(error) });
          continue;
        }
        await sql`
          update ${sql.table(table)} set ${sql.ref(column)} = ${JSON.stringify(secret)}::jsonb
                 ${kid === null ? sql`` : sql`, ${sql.ref(kid)} = ${secret.kid}`}
           where ${sql.ref(id)}::text = ${row.id}
        `.execute(trx);
        from.add(row.secret.kid);
        result.rewrapped += 1;
      }
      return rows;
    });
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    onBatch(result.rewrapped + result.failed.length);
  }
  result.from = [...from].sort();
  return result;
}

export function credentialsCommand(program: Command): void {
  const credentials = program.command('credentials').description('the keys that encrypt stored secrets (cloud credentials, webhook signing secrets, TOTP secrets, Terraform states)');

  credentials
    .command('generate-key')
    .description('print a new key entry (kid:base64) for CREDENTIALS_KEYS')
    .option('--kid <kid>', 'the key id (default: k<today>, e.g. k20260115)')
    .addHelpText(
      'after',
      '\nCREDENTIALS_KEYS is a comma-separated list of these; the first encrypts, the others only decrypt. ' +
        'The README (Configuration) gives the rotation steps.',
    )
    .action((options: { kid?: string }) => {
      // stdout holds only the entry, so scripts can capture it.
      console.log(`${options.kid ?? datedKid()}:${generateKey()}`);
    });

  credentials
    .command('rotate')
    .description('re-wrap every stored secret (cloud credentials, webhook signing secrets, TOTP secrets, Terraform states and their backends) under the active (first) key of CREDENTIALS_KEYS')
    .option('--batch-size <count>', 'secrets per transaction', positiveInteger, 500)
    .action(async (options: { batchSize: number }) => {
      const { CREDENTIALS_KEYS: keyring } = loadConfig(credentialsEnv);
      const failed = await withOwnerDb(async (db) => {
        const failed: string[] = [];
        for (const sealed of SEALED_COLUMNS) {
          const label = labelOf(sealed);
          const { rows } = await sql<{ count: string }>`
            select count(*) as count from ${sql.table(sealed.table)} where ${notUnder(sealed, keyring.active)}
          `.execute(db);
          const count = rows[0]!.count;
          console.log(`${label}: ${count} to re-wrap under ${keyring.active}`);
          const result = await rotateColumn(db, sealed, keyring, {
            batchSize: options.batchSize,
            onBatch: (done) => console.log(`  ${done}/${count}`),
          });
          console.log(
            `${label}: re-wrapped ${result.rewrapped} from ${result.from.join(', ') || '(none)'} to ${result.to}; ${result.failed.length} failed`,
          );
          failed.push(...result.failed.map(({ id, reason }) => `${label} ${id}: ${reason}`));
        }
        return failed;
      });
      if (failed.length > 0) {
        for (const line of failed) process.stderr.write(`  ${line}\n`);
        throw new Error(`${failed.length} secrets were not re-wrapped: add the keys they need to CREDENTIALS_KEYS and run again`);
      }
    });
}
