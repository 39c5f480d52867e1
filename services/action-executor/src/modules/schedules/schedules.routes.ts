import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUTOMATION_RULE_STATUSES, rowSchema } from '@stratus/db';
import { AppError, day, decodeCursor, pageQuery, pageSchema, text, toPage } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import { enqueueOperations } from '../actions/actions.service.ts';
import { parseMatchField } from '../automation-rules/automation-rules.service.ts';
import { nextScheduledChange, parseScheduleSpec, ScheduleSpecError, withHolidays } from './schedule-spec.ts';
import { createSchedule, deleteSchedule, getSchedule, listSchedules, updateSchedule } from './schedules.repository.ts';
import { convergeOrganization, SCHEDULE_TAG } from './schedules.service.ts';

const tags = ['schedules'];

const matchField = text({ min: 1, max: 2_000 }).describe('which resources follow the schedule, in the match language, e.g. env=dev AND type=vm');
const specField = text({ min: 1, max: 2_000 }).describe("Cloud Custodian's offhours syntax, e.g. off=(M-F,19);on=(M-F,7);tz=Europe/Paris");

/** The match and spec given, parsed: a 400 names the field, the position and what was expected. */
function checkFields(body: { match?: string | undefined; spec?: string | undefined }): void {
  if (body.match !== undefined) parseMatchField(body.match, 'body.match');
  if (body.spec === undefined) return;
  try {
    parseScheduleSpec(body.spec);
  } catch (error) {
    if (!(error instanceof ScheduleSpecError)) throw error;
    throw new AppError('invalid', `body.spec: ${error.message}`, { details: { field: 'body.spec', offset: error.offset } });
  }
}

const scheduleBody = z.object({
  name: text({ min: 1, max: 200 }),
  match: matchField,
  spec: specField,
  holidays: z.array(day).max(366).default([]).describe('local dates on which nothing changes'),
  status: z.enum(AUTOMATION_RULE_STATUSES).default('enabled'),
});

const scheduleSchema = rowSchema('schedules', {
  id: z.uuid(),
  name: z.string(),
  match: z.string(),
  spec: z.string(),
  holidays: z.array(z.string()),
  status: z.enum(AUTOMATION_RULE_STATUSES),
  created_by: z.uuid().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});

const scheduleDetail = rowSchema('schedules', {
  ...scheduleSchema.shape,
  next_change: z.object({ at: z.date(), state: z.enum(['running', 'stopped']) }).nullable().describe('the next scheduled change after now'),
});

const reportSchema = z.object({
  evaluated: z.number().int(),
  requested: z.array(z.object({ resource_id: z.uuid(), action_type: z.enum(['start', 'stop']), action_id: z.uuid(), outcome: z.string() })),
  skipped: z.record(z.string(), z.number().int()),
  invalid: z.array(z.object({ resource_id: z.uuid(), error: z.string() })),
});

const params = z.object({ id: z.uuid() });

function withNextChange<T extends { spec: string; holidays: string[] }>(schedule: T, now: Date) {
  return { ...schedule, next_change: nextScheduledChange(withHolidays(parseScheduleSpec(schedule.spec), schedule.holidays), now) };
}

function conflictOnName(error: unknown, name: string): never {
  if ((error as { code?: string }).code === '23505') throw new AppError('conflict', `body.name: a schedule named "${name}" exists already`);
  throw error;
}

export const schedulesRoutes: FastifyPluginAsyncZod<{ queues: Pick<Queues, 'enqueue' | 'enqueueMany'> }> = async (app, { queues }) => {
  app.get(
    '/schedules',
    {
      config: { permission: 'automation_rules:read' },
      schema: { summary: 'Named off-hours schedules, newest first', tags, querystring: pageQuery, response: { 200: pageSchema(scheduleSchema) } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return toPage(await request.withTenant((trx) => listSchedules(trx, { after: decodeCursor(cursor), limit })), limit);
    },
  );

  app.post(
    '/schedules',
    {
      config: { permission: 'automation_rules:write' },
      schema: {
        summary: 'Creates a named off-hours schedule',
        description: `The resources its match selects stop and start as its spec says, except those with a ${SCHEDULE_TAG} tag of their own (the tag wins), and except on its holidays. Where several enabled schedules select a resource, the first by name applies.`,
        tags,
        body: scheduleBody,
        response: { 201: scheduleDetail },
      },
    },
    async (request, reply) => {
      checkFields(request.body);
      const { organizationId, userId } = request.auth;
      const created = await request.withTenant((trx) => createSchedule(trx, organizationId, userId, request.body));
      if (!created) throw new AppError('conflict', `body.name: a schedule named "${request.body.name}" exists already`);
      return reply.status(201).send(withNextChange(created, new Date()));
    },
  );

  app.get(
    '/schedules/:id',
    {
      config: { permission: 'automation_rules:read' },
      schema: { summary: 'A named schedule with its next scheduled change', tags, params, response: { 200: scheduleDetail } },
    },
    async (request) => {
      const schedule = await request.withTenant((trx) => getSchedule(trx, request.params.id));
      if (!schedule) throw new AppError('not_found', `schedule ${request.params.id} not found`);
      return withNextChange(schedule, new Date());
    },
  );

  app.patch(
    '/schedules/:id',
    {
      config: { permission: 'automation_rules:write' },
      schema: {
        summary: 'Changes a named schedule (any of name, match, spec, holidays, status)',
        tags,
        params,
        body: z.object({ name: text({ min: 1, max: 200 }), match: matchField, spec: specField, holidays: z.array(day).max(366), status: z.enum(AUTOMATION_RULE_STATUSES) }).partial(),
        response: { 200: scheduleDetail },
      },
    },
    async (request) => {
      checkFields(request.body);
      const updated = await request
        .withTenant((trx) => updateSchedule(trx, request.params.id, request.body))
        .catch((error: unknown) => conflictOnName(error, request.body.name ?? ''));
      if (!updated) throw new AppError('not_found', `schedule ${request.params.id} not found`);
      return withNextChange(updated, new Date());
    },
  );

  app.delete(
    '/schedules/:id',
    {
      config: { permission: 'automation_rules:write' },
      schema: { summary: 'Deletes a named schedule; its resources keep the state they are in', tags, params, response: { 204: z.null() } },
    },
    async (request, reply) => {
      if (!(await request.withTenant((trx) => deleteSchedule(trx, request.params.id)))) throw new AppError('not_found', `schedule ${request.params.id} not found`);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/schedules/converge',
    {
      config: { permission: 'automation_rules:write' },
      schema: {
        summary: "Evaluates the organisation's schedules now, as the periodic job does",
        description: 'Requests a start or stop for each scheduled resource not in its desired state, unless someone changed it after the last scheduled change or an action is pending.',
        tags,
        response: { 200: reportSchema },
      },
    },
    async (request) => {
      const { organizationId } = request.auth;
      const { report, operation_ids } = await request.withTenant((trx) => convergeOrganization(trx, organizationId, new Date()));
      await enqueueOperations(queues, organizationId, operation_ids);
      return report;
    },
  );
};
