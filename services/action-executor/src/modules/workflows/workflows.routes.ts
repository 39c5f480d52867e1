import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Transaction } from 'kysely';
import { OPERATION_STATUSES, WORKFLOW_STATUSES, WORKFLOW_TRIGGER_TYPES, rowSchema, type Database } from '@stratus/db';
import { AppError, decodeCursor, pageQuery, pageSchema, text, toPage } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import { workflowDefinition, type WorkflowDefinition } from './workflow-definition.ts';
import { cancelExecution, createExecution, enqueueExecution, resumeExecution } from './workflow-executions.service.ts';
import { createWorkflow, deleteWorkflow, getExecution, getWorkflow, listExecutions, listWorkflows, updateWorkflow } from './workflows.repository.ts';
import { syncWorkflowSchedule } from './workflows.service.ts';

const tags = ['workflows'];
const params = z.object({ id: z.uuid() });

const workflowSchema = rowSchema('workflows', {
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  trigger_type: z.enum(WORKFLOW_TRIGGER_TYPES),
  definition: z.record(z.string(), z.unknown()),
  status: z.enum(WORKFLOW_STATUSES),
  created_by: z.uuid().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});

const executionSchema = rowSchema('workflow_executions', {
  id: z.uuid(),
  workflow_id: z.uuid(),
  status: z.enum(OPERATION_STATUSES),
  attempt: z.number().int(),
  trigger_key: z.string().nullable(),
  started_at: z.date(),
  completed_at: z.date().nullable(),
  triggered_by: z.uuid().nullable(),
  results: z.record(z.string(), z.unknown()).nullable().describe('the definition run, the trigger, the current step, the path and each step: status, started/finished, output, error'),
});

const workflowFields = {
  name: text({ min: 1, max: 255 }),
  description: text({ max: 2_000 }).nullable(),
  definition: workflowDefinition.describe('{trigger, steps}: see the README, "Workflows"'),
  status: z.enum(WORKFLOW_STATUSES),
};

/** A notify step's team is one of the organisation's: otherwise a 400 naming the step's field. */
async function checkNotifiedTeams(trx: Transaction<Database>, definition: WorkflowDefinition | undefined): Promise<void> {
  const named = (definition?.steps ?? []).flatMap((step, index) => (step.type === 'notify' && step.team_id ? [{ index, team_id: step.team_id }] : []));
  if (named.length === 0) return;
  const teams = await trx.selectFrom('teams').select('id').where('id', 'in', named.map((step) => step.team_id)).execute();
  const unknown = named.find((step) => !teams.some((team) => team.id === step.team_id));
  if (unknown) throw new AppError('invalid', `body.definition.steps.${unknown.index}.team_id: no team ${unknown.team_id} in your organisation`);
}

async function scheduleOf(queues: Pick<Queues, 'schedule' | 'unschedule'>, workflow: { id: string; organization_id: string; status: string; definition: unknown }) {
  await syncWorkflowSchedule(queues, { ...workflow, definition: workflow.definition as WorkflowDefinition });
}

export const workflowsRoutes: FastifyPluginAsyncZod<{ queues: Pick<Queues, 'enqueue' | 'enqueueMany' | 'schedule' | 'unschedule'> }> = async (app, { queues }) => {
  app.get(
    '/workflows',
    { config: { permission: 'automation_rules:read' }, schema: { summary: 'Workflows, newest first', tags, querystring: pageQuery, response: { 200: pageSchema(workflowSchema) } } },
    async (request) => {
      const { limit, cursor } = request.query;
      return toPage(await request.withTenant((trx) => listWorkflows(trx, { after: decodeCursor(cursor), limit })), limit);
    },
  );

  app.post(
    '/workflows',
    {
      config: { permission: 'approvals:write' },
      schema: {
        summary: 'Creates a workflow: a trigger (manual, scheduled by cron, or an event with a filter) and steps',
        description: 'Steps: select, require_approval, action, wait, notify, branch. An invalid definition is a 400 naming the step, e.g. body.definition.steps.2.action_type.',
        tags,
        body: z.object({ ...workflowFields, description: workflowFields.description.default(null), status: workflowFields.status.default('active') }),
        response: { 201: workflowSchema },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.auth;
      const workflow = await request.withTenant(async (trx) => {
        await checkNotifiedTeams(trx, request.body.definition);
        return createWorkflow(trx, organizationId, userId, request.body);
      });
      await scheduleOf(queues, workflow);
      return reply.status(201).send(workflow);
    },
  );

  app.get(
    '/workflows/:id',
    { config: { permission: 'automation_rules:read' }, schema: { summary: 'A workflow', tags, params, response: { 200: workflowSchema } } },
    async (request) => {
      const workflow = await request.withTenant((trx) => getWorkflow(trx, request.params.id));
      if (!workflow) throw new AppError('not_found', `workflow ${request.params.id} not found`);
      return workflow;
    },
  );

  app.patch(
    '/workflows/:id',
    {
      config: { permission: 'approvals:write' },
      schema: {
        summary: 'Changes a workflow; executions already started keep the definition they started with',
        tags,
        params,
        body: z.object(workflowFields).partial(),
        response: { 200: workflowSchema },
      },
    },
    async (request) => {
      const workflow = await request.withTenant(async (trx) => {
        await checkNotifiedTeams(trx, request.body.definition);
        return updateWorkflow(trx, request.params.id, request.body);
      });
      if (!workflow) throw new AppError('not_found', `workflow ${request.params.id} not found`);
      await scheduleOf(queues, workflow);
      return workflow;
    },
  );

  app.delete(
    '/workflows/:id',
    { config: { permission: 'approvals:write' }, schema: { summary: 'Deletes a workflow and its executions', tags, params, response: { 204: z.null() } } },
    async (request, reply) => {
      if (!(await request.withTenant((trx) => deleteWorkflow(trx, request.params.id)))) throw new AppError('not_found', `workflow ${request.params.id} not found`);
      await syncWorkflowSchedule(queues, { id: request.params.id, status: 'deleted' });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/workflows/:id/executions',
    {
      config: { permission: 'approvals:write' },
      schema: { summary: 'Starts an execution of the workflow now (whatever its trigger)', tags, params, response: { 202: executionSchema } },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.auth;
      const execution = await request.withTenant(async (trx) => {
        const workflow = await getWorkflow(trx, request.params.id);
        if (!workflow) throw new AppError('not_found', `workflow ${request.params.id} not found`);
        if (workflow.status !== 'active') throw new AppError('conflict', `workflow ${workflow.id} is ${workflow.status}`);
        const definition = workflowDefinition.parse(workflow.definition);
        const created = await createExecution(trx, { ...workflow, definition }, { type: 'manual', key: null, triggered_by: userId });
        return getExecution(trx, created!.id);
      });
      await enqueueExecution(queues, organizationId, execution!);
      return reply.status(202).send(execution!);
    },
  );

  app.get(
    '/workflows/:id/executions',
    {
      config: { permission: 'automation_rules:read' },
      schema: { summary: "The workflow's executions, newest first", tags, params, querystring: pageQuery, response: { 200: pageSchema(executionSchema) } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return toPage(await request.withTenant((trx) => listExecutions(trx, request.params.id, { after: decodeCursor(cursor), limit })), limit);
    },
  );

  app.get(
    '/workflow-executions/:id',
    { config: { permission: 'automation_rules:read' }, schema: { summary: 'A workflow execution with the status and result of each step', tags, params, response: { 200: executionSchema } } },
    async (request) => {
      const execution = await request.withTenant((trx) => getExecution(trx, request.params.id));
      if (!execution) throw new AppError('not_found', `workflow execution ${request.params.id} not found`);
      return execution;
    },
  );

  app.post(
    '/workflow-executions/:id/resume',
    {
      config: { permission: 'approvals:write' },
      schema: {
        summary: 'Runs a failed execution again from the step it failed at; the steps before it are not run again',
        tags,
        params,
        response: { 202: executionSchema },
      },
    },
    async (request, reply) => {
      const execution = await request.withTenant(async (trx) => {
        await resumeExecution(trx, request.params.id);
        return getExecution(trx, request.params.id);
      });
      await enqueueExecution(queues, request.auth.organizationId, execution!);
      return reply.status(202).send(execution!);
    },
  );

  app.post(
    '/workflow-executions/:id/cancel',
    {
      config: { permission: 'approvals:write' },
      schema: {
        summary: 'Cancels an execution; actions of its current step still waiting for approval are cancelled too',
        tags,
        params,
        response: { 200: executionSchema },
      },
    },
    async (request) =>
      request.withTenant(async (trx) => {
        await cancelExecution(trx, request.params.id, request.auth.userId);
        return (await getExecution(trx, request.params.id))!;
      }),
  );
};
