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

interface RotationResult {
  rewrapped: number;
  /** The kids the re-wrapped credentials were under. */
  from: string[];
  to: string;
  failed: { id: string; reason: string }[];
}

/**
 * Re-wraps the data key of every credential not under the active key. Each batch is one
 * transaction holding its rows locked, so a credential replaced through the API meanwhile is
 * never overwritten with its old value; the payloads are not decrypted. Rows are walked by id,
 * so one that fails (its key is missing from the keyring) is reported once and skipped.
 */
async function rotateCredentials(
  db: Kysely<Database>,
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
        .selectFrom('cloud_credentials')
        .select(['id', 'key_id', 'secret'])
        .where('key_id', '<>', to)
        .$if(after !== undefined, (q) => q.where('id', '>', after!))
        .orderBy('id')
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
        await trx.updateTable('cloud_credentials').set({ secret: JSON.stringify(secret), key_id: secret.kid }).where('id', '=', row.id).execute();
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
  const credentials = program.command('credentials').description('the keys that encrypt stored cloud credentials');

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
    .description('re-wrap every stored credential under the active (first) key of CREDENTIALS_KEYS')
    .option('--batch-size <count>', 'credentials per transaction', positiveInteger, 500)
    .action(async (options: { batchSize: number }) => {
      const { CREDENTIALS_KEYS: keyring } = loadConfig(credentialsEnv);
      const result = await withOwnerDb(async (db) => {
        const { count } = await db
          .selectFrom('cloud_credentials')
          .select((eb) => eb.fn.countAll<string>().as('count'))
          .where('key_id', '<>', keyring.active)
          .executeTakeFirstOrThrow();
        console.log(`${count} credentials to re-wrap under ${keyring.active}`);
        return rotateCredentials(db, keyring, {
          batchSize: options.batchSize,
          onBatch: (done) => console.log(`  ${done}/${count}`),
        });
      });
      console.log(
        `re-wrapped ${result.rewrapped} credentials from ${result.from.join(', ') || '(none)'} to ${result.to}; ${result.failed.length} failed`,
      );
      if (result.failed.length > 0) {
        for (const { id, reason } of result.failed) process.stderr.write(`  cloud_credentials ${id}: ${reason}\n`);
        throw new Error(`${result.failed.length} credentials were not re-wrapped: add the keys they need to CREDENTIALS_KEYS and run again`);
      }
    });
}
