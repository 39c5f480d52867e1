import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '@stratus/db';
import { AppError, cursorCodec, decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';
import { countMatches, formatMatch, matchResources, type MatchExpression } from '@stratus/match';
import type { Queues } from '@stratus/queues';
import type { Transaction } from 'kysely';
import { deleteRule, getRule, insertRule, listRules, listRuns, updateRule, type RuleRow } from './automation-rules.repository.ts';
import { createBody, previewBody, previewQuery, previewSchema, ruleSchema, runSchema, updateBody } from './automation-rules.schemas.ts';
import { checkRule, nextRunsOf, parseMatchField, syncSchedule } from './automation-rules.service.ts';
import { runRule } from './rule-runs.service.ts';

const tags = ['automation-rules'];
const params = z.object({ id: z.uuid() });
const previewCursor = cursorCodec(z.uuid());

const withNextRuns = (rule: RuleRow) => ({ ...rule, next_runs: nextRunsOf(rule) });

function notFound(id: string): never {
  throw new AppError('not_found', `automation rule ${id} not found`);
}

/** What a match selects now: the count and one page, by resource id. Nothing is acted on. */
async function preview(trx: Transaction<Database>, organizationId: string, expression: MatchExpression, limit: number, cursor: string | undefined) {
  const page = await matchResources(trx, organizationId, expression, { limit, after: previewCursor.decode(cursor) });
  const count = await countMatches(trx, organizationId, expression);
  return { match: formatMatch(expression), count, items: page.resources, next_cursor: page.next === null ? null : previewCursor.encode(page.next) };
}

export const automationRulesRoutes: FastifyPluginAsyncZod<{ queues: Queues }> = async (app, options) => {
  app.get(
    '/automation-rules',
    {
      config: { permission: 'automation_rules:read' },
      schema: { summary: 'Automation rules, newest first', tags, querystring: pageQuery, response: { 200: pageSchema(ruleSchema) } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await request.withTenant((trx) => listRules(trx, decodeCursor(cursor), limit));
      const page = toPage(rows, limit);
      return { ...page, items: page.items.map(withNextRuns) };
    },
  );

  app.post(
    '/automation-rules',
    {
      config: { permission: 'automation_rules:write' },
      schema: {
        summary: 'Creates a rule: on its cron, request its action on every resource its match selects',
        description: 'The match, the action parameters, the cron and the time zone are checked first (400 naming the field; a match error gives the position). An enabled rule gets its job scheduler at once.',
        tags,
        body: createBody,
        response: { 201: ruleSchema },
      },
    },
    async (request, reply) => {
      const { parameters, ...body } = request.body;
      checkRule(request.body);
      const { organizationId, userId } = request.auth;
      const rule = await request.withTenant((trx) => insertRule(trx, { ...body, parameters: JSON.stringify(parameters), organization_id: organizationId, user_id: userId }));
      await syncSchedule(options.queues, rule);
      return reply.status(201).send(withNextRuns(rule));
    },
  );

  app.get(
    '/automation-rules/:id',
    { config: { permission: 'automation_rules:read' }, schema: { summary: 'One automation rule', tags, params, response: { 200: ruleSchema } } },
    async (request) => {
      const rule = await request.withTenant((trx) => getRule(trx, request.params.id));
      return rule ? withNextRuns(rule) : notFound(request.params.id);
    },
  );

  app.patch(
    '/automation-rules/:id',
    {
      config: { permission: 'automation_rules:write' },
      schema: {
        summary: 'Changes a rule (status enabled/disabled turns it on and off); its scheduler follows',
        tags,
        params,
        body: updateBody,
        response: { 200: ruleSchema },
      },
    },
    async (request) => {
      const rule = await request.withTenant(async (trx) => {
        const current = await getRule(trx, request.params.id);
        if (!current) notFound(request.params.id);
        checkRule({ ...current, ...request.body });
        return updateRule(trx, request.params.id, request.body);
      });
      if (!rule) notFound(request.params.id);
      await syncSchedule(options.queues, rule);
      return withNextRuns(rule);
    },
  );

  app.delete(
    '/automation-rules/:id',
    { config: { permission: 'automation_rules:write' }, schema: { summary: 'Deletes a rule, its runs and its scheduler', tags, params, response: { 204: z.null() } } },
    async (request, reply) => {
      const deleted = await request.withTenant((trx) => deleteRule(trx, request.params.id));
      if (!deleted) notFound(request.params.id);
      await syncSchedule(options.queues, { id: request.params.id, status: 'deleted' });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/automation-rules/preview',
    {
      config: { permission: 'automation_rules:read' },
      schema: { summary: 'What a match expression selects now (count and first page); nothing is acted on', tags, body: previewBody, response: { 200: previewSchema } },
    },
    async (request) => {
      const { match, limit, cursor } = request.body;
      const expression = parseMatchField(match, 'body.match');
      return request.withTenant((trx) => preview(trx, request.auth.organizationId, expression, limit, cursor));
    },
  );

  app.get(
    '/automation-rules/:id/preview',
    {
      config: { permission: 'automation_rules:read' },
      schema: { summary: 'What the rule would act on now (count and first page); nothing is acted on', tags, params, querystring: previewQuery, response: { 200: previewSchema } },
    },
    async (request) => {
      return request.withTenant(async (trx) => {
        const rule = await getRule(trx, request.params.id);
        if (!rule) notFound(request.params.id);
        return preview(trx, request.auth.organizationId, parseMatchField(rule.match, 'match'), request.query.limit, request.query.cursor);
      });
    },
  );

  app.post(
    '/automation-rules/:id/run',
    {
      config: { permission: 'automation_rules:write' },
      schema: {
        summary: 'Runs a rule now (enabled or not) and answers the recorded run',
        description: 'Each matched resource gets an action.requested, as POST /v1/actions requests it (policy and approvals apply). More matches than max_resources: nothing is requested and the run fails with reason blast_radius.',
        tags,
        params,
        response: { 201: runSchema },
      },
    },
    async (request, reply) => {
      const outcome = await request.withTenant(async (trx) => {
        const rule = await getRule(trx, request.params.id);
        if (!rule) notFound(request.params.id);
        return runRule(trx, rule, { scheduled_for: null, requested_by: request.auth.userId });
      });
      // A run by hand has no tick, so it is never a duplicate.
      if (outcome.status !== 'done') throw new Error(`run by hand skipped: ${outcome.reason}`);
      return reply.status(201).send(outcome.run);
    },
  );

  app.get(
    '/automation-rules/:id/runs',
    {
      config: { permission: 'automation_rules:read' },
      schema: { summary: "A rule's runs, newest first", tags, params, querystring: pageQuery, response: { 200: pageSchema(runSchema) } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await request.withTenant(async (trx) => {
        if (!(await getRule(trx, request.params.id))) notFound(request.params.id);
        return listRuns(trx, request.params.id, decodeCursor(cursor), limit);
      });
      return toPage(rows, limit);
    },
  );
};
