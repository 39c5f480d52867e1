import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AppError } from '@stratus/http';
import { apiClient, printTable } from '../api-client.ts';

async function jsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AppError('invalid', `${file}: ${(error as Error).message}`);
  }
}

interface Execution {
  id: string;
  status: string;
  attempt: number;
  results: { current: string | null; path: string[]; steps: Record<string, { status?: string; error?: string; started_at?: string; finished_at?: string }> } | null;
}

function printExecution(execution: Execution): void {
  console.log(`${execution.id} ${execution.status} (attempt ${execution.attempt}); current step: ${execution.results?.current ?? '-'}`);
  const steps = Object.entries(execution.results?.steps ?? {}).map(([id, step]) => ({ step: id, ...step }));
  printTable(steps, ['step', 'status', 'started_at', 'finished_at', 'error']);
}

export function workflowsCommand(program: Command): void {
  const workflows = program
    .command('workflows')
    .description('workflows: steps run on a trigger (manual, cron, event), their executions, resume and cancel (the action executor API, STRATUS_ACTION_EXECUTOR_URL)');
  const api = () => apiClient('action-executor');

  workflows
    .command('list')
    .description('workflows, newest first')
    .action(async () => {
      const page = await (await api()).request<{ items: Record<string, unknown>[] }>('GET', '/v1/workflows?limit=500');
      printTable(page.items, ['id', 'name', 'trigger_type', 'status', 'updated_at']);
    });

  workflows
    .command('show')
    .description('a workflow with its definition, as JSON')
    .argument('<id>')
    .action(async (id: string) => console.log(JSON.stringify(await (await api()).request('GET', `/v1/workflows/${id}`), null, 2)));

  workflows
    .command('create')
    .description('a workflow from FILE: {"name", "description"?, "definition": {"trigger", "steps"}} (see the README, "Workflows")')
    .argument('<file>')
    .action(async (file: string) => {
      const created = await (await api()).request<{ id: string; name: string }>('POST', '/v1/workflows', { json: await jsonFile(file) });
      console.log(`created workflow ${created.id} ${created.name}`);
    });

  workflows
    .command('update')
    .description('change a workflow from FILE (any of name, description, definition, status)')
    .argument('<id>')
    .argument('<file>')
    .action(async (id: string, file: string) => {
      const updated = await (await api()).request<{ id: string; updated_at: string }>('PATCH', `/v1/workflows/${id}`, { json: await jsonFile(file) });
      console.log(`updated workflow ${updated.id} at ${updated.updated_at}`);
    });

  for (const status of ['active', 'disabled'] as const) {
    workflows
      .command(status === 'active' ? 'enable' : 'disable')
      .argument('<id>')
      .action(async (id: string) => {
        await (await api()).request('PATCH', `/v1/workflows/${id}`, { json: { status } });
        console.log(`workflow ${id} ${status}`);
      });
  }

  workflows
    .command('delete')
    .argument('<id>')
    .action(async (id: string) => {
      await (await api()).request('DELETE', `/v1/workflows/${id}`);
      console.log(`deleted workflow ${id}`);
    });

  workflows
    .command('run')
    .description('start an execution now')
    .argument('<id>')
    .action(async (id: string) => printExecution(await (await api()).request('POST', `/v1/workflows/${id}/executions`)));

  workflows
    .command('executions')
    .description("a workflow's executions, newest first")
    .argument('<id>')
    .action(async (id: string) => {
      const page = await (await api()).request<{ items: Execution[] }>('GET', `/v1/workflows/${id}/executions?limit=500`);
      printTable(
        page.items.map((item) => ({ ...item, current: item.results?.current })),
        ['id', 'status', 'attempt', 'current', 'started_at', 'completed_at'],
      );
    });

  workflows
    .command('execution')
    .description('an execution and each of its steps')
    .argument('<execution-id>')
    .action(async (id: string) => printExecution(await (await api()).request('GET', `/v1/workflow-executions/${id}`)));

  for (const verb of ['resume', 'cancel'] as const) {
    workflows
      .command(verb)
      .description(verb === 'resume' ? 'run a failed execution again from the step it failed at' : 'cancel an execution (and its actions still awaiting approval)')
      .argument('<execution-id>')
      .action(async (id: string) => printExecution(await (await api()).request('POST', `/v1/workflow-executions/${id}/${verb}`)));
  }
}
