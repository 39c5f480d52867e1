import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AppError } from '@stratus/http';
import { apiClient } from '../api-client.ts';

export function policyCommand(program: Command): void {
  const policy = program
    .command('policy')
    .description("the organisation's action policy: which actions need approval or are forbidden (the action executor API, STRATUS_ACTION_EXECUTOR_URL)");

  policy
    .command('show')
    .description('print the policy as JSON (the default policy when none was set)')
    .action(async () => {
      const api = await apiClient('action-executor');
      const current = await api.request<{ document: unknown; is_default: boolean; updated_at: string | null }>('GET', '/v1/action-policy');
      if (current.is_default) process.stderr.write('(the default policy: this organisation has not set one)\n');
      console.log(JSON.stringify(current.document, null, 2));
    });

  policy
    .command('set')
    .description('replace the policy with the JSON document in FILE (as `policy show` prints it)')
    .argument('<file>')
    .action(async (file: string) => {
      let document: unknown;
      try {
        document = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new AppError('invalid', `${file}: ${(error as Error).message}`);
      }
      const api = await apiClient('action-executor');
      const saved = await api.request<{ updated_at: string }>('PUT', '/v1/action-policy', { json: document });
      console.log(`policy saved at ${saved.updated_at}`);
    });
}
