import { InvalidArgumentError, type Command } from 'commander';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { loadConfig } from '@stratus/config';
import type { Database } from '@stratus/db';
import { credentialsKeys, generateKey, rewrapSecret, type Keyring } from '@stratus/vault';
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

/** The tables whose `secret` is sealed under CREDENTIALS_KEYS, and the column that identifies (and orders) their rows. */
const SEALED_TABLES = [
  { table: 'cloud_credentials', id: 'id' },
  { table: 'webhook_signing_secrets', id: 'organization_id' },
  { table: 'user_totp_secrets', id: 'user_id' },
] as const;

type SealedTable = (typeof SEALED_TABLES)[number];

interface RotationResult {
  rewrapped: number;
  /** The kids the re-wrapped secrets were under. */
  from: string[];
  to: string;
  failed: { id: string; reason: string }[];
}

/**
 * Re-wraps the data key of every secret of the table not under the active key. Each batch is one
 * transaction holding its rows locked, so a secret replaced through the API meanwhile is never
 * overwritten with its old value; the payloads are not decrypted. Rows are walked by id, so one
 * that fails (its key is missing from the keyring) is reported once and skipped.
 */
async function rotateTable(
  db: Kysely<Database>,
  { table, id }: SealedTable,
  keyring: Keyring,
  { batchSize, onBatch }: { batchSize: number; onBatch: (done: number) => void },
): Promise<RotationResult> {
  const to = keyring.active;
  const result: RotationResult = { rewrapped: 0, from: [], to, failed: [] };
  const from = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const rows = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom(table)
        .select((eb) => [eb.ref(id).$castTo<string>().as('id'), 'key_id', 'secret'])
        .where('key_id', '<>', to)
        .$if(after !== undefined, (q) => q.where(id, '>', after!))
        .orderBy(id)
        .limit(batchSize)
        .forUpdate()
        .execute();
      for (const row of rows) {
        let secret;
        try {
          secret = rewrapSecret(keyring, row.secret);
        } catch (error) {
          result.failed.push({ id: row.id, reason: error instanceof Error ? error.message : String(error) });
          continue;
        }
        await trx.updateTable(table).set({ secret: JSON.stringify(secret), key_id: secret.kid }).where(id, '=', row.id).execute();
        from.add(row.key_id);
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
  const credentials = program.command('credentials').description('the keys that encrypt stored secrets (cloud credentials, webhook signing secrets, TOTP secrets)');

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
    .description('re-wrap every stored secret (cloud credentials, webhook signing secrets, TOTP secrets) under the active (first) key of CREDENTIALS_KEYS')
    .option('--batch-size <count>', 'secrets per transaction', positiveInteger, 500)
    .action(async (options: { batchSize: number }) => {
      const { CREDENTIALS_KEYS: keyring } = loadConfig(credentialsEnv);
      const failed = await withOwnerDb(async (db) => {
        const failed: string[] = [];
        for (const sealed of SEALED_TABLES) {
          const { count } = await db
            .selectFrom(sealed.table)
            .select((eb) => eb.fn.countAll<string>().as('count'))
            .where('key_id', '<>', keyring.active)
            .executeTakeFirstOrThrow();
          console.log(`${sealed.table}: ${count} to re-wrap under ${keyring.active}`);
          const result = await rotateTable(db, sealed, keyring, {
            batchSize: options.batchSize,
            onBatch: (done) => console.log(`  ${done}/${count}`),
          });
          console.log(
            `${sealed.table}: re-wrapped ${result.rewrapped} from ${result.from.join(', ') || '(none)'} to ${result.to}; ${result.failed.length} failed`,
          );
          failed.push(...result.failed.map(({ id, reason }) => `${sealed.table} ${id}: ${reason}`));
        }
        return failed;
      });
      if (failed.length > 0) {
        for (const line of failed) process.stderr.write(`  ${line}\n`);
        throw new Error(`${failed.length} secrets were not re-wrapped: add the keys they need to CREDENTIALS_KEYS and run again`);
      }
    });
}
