import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { describeReport, verifyExport, type ChainReport } from '@stratus/db';
import { AppError } from '@stratus/http';
import { apiClient } from '../api-client.ts';

async function publicKeyFrom(path: string | undefined): Promise<KeyObject | undefined> {
  if (path === undefined) return undefined;
  try {
    return createPublicKey(await readFile(path, 'utf8'));
  } catch (error) {
    throw new AppError('invalid', `--public-key ${path}: not a PEM public key (${(error as Error).message})`);
  }
}

function print(reports: ChainReport[], json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else for (const report of reports) process.stdout.write(`${describeReport(report)}\n`);
  // A broken chain is a failed check (exit 1), so scripts can rely on the status.
  if (reports.some((report) => report.problems.length > 0)) throw new Error('the audit chain does not verify');
}

export function auditCommand(program: Command): void {
  const audit = program.command('audit').description("The organisation's tamper-evident audit trail: verify, export, signing keys");

  audit
    .command('verify')
    .description('Walk the audit chain and its signed checkpoints: N/M rows valid and the first broken link (exit 1 if any)')
    .option('--file <path>', 'check an export (stratus audit export > f.jsonl) offline, without the API')
    .option('--public-key <path>', 'with --file: the PEM public key that checks the checkpoints (GET /v1/audit/public-key)')
    .option('--json', 'the full report as JSON')
    .action(async (options: { file?: string; publicKey?: string; json?: boolean }) => {
      if (options.file === undefined) {
        if (options.publicKey !== undefined) throw new AppError('invalid', '--public-key goes with --file: the API checks with its own key');
        const report = await (await apiClient('audit')).request<ChainReport>('GET', '/v1/audit/verify');
        print([report], options.json ?? false);
        return;
      }
      const publicKey = await publicKeyFrom(options.publicKey);
      // Read only once iterated: lines readline emits before the loop starts would be lost.
      const lines = createInterface({ input: createReadStream(options.file), crlfDelay: Infinity });
      const reports = await verifyExport(lines, publicKey);
      if (options.publicKey === undefined) process.stderr.write('no --public-key: checkpoint signatures cannot be checked\n');
      print(reports, options.json ?? false);
    });

  audit
    .command('export')
    .description('The audit chain and its checkpoints as JSON lines, on stdout')
    .action(async () => {
      process.stdout.write(await (await apiClient('audit')).text('/v1/audit/export'));
    });

  audit
    .command('public-key')
    .description('The PEM public key that checks the checkpoints, for verify --file')
    .action(async () => {
      process.stdout.write(await (await apiClient('audit')).text('/v1/audit/public-key'));
    });

  audit
    .command('generate-key')
    .description("A new Ed25519 checkpoint signing key: the audit service's AUDIT_SIGNING_KEY, and its public key")
    .action(() => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      process.stdout.write(`AUDIT_SIGNING_KEY=${privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')}\n`);
      process.stdout.write(String(publicKey.export({ format: 'pem', type: 'spki' })));
    });
}
