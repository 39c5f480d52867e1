import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Outbox } from '@stratus/events';
import { decodeCursor, pageSchema, toPage } from '@stratus/http';
import { utcDay } from '../../calendar.ts';
import { listBudgets } from './budgets.repository.ts';
import {
  alertParams,
  alertSchema,
  budgetDetailSchema,
  budgetParams,
  budgetSchema,
  createAlertBody,
  createBudgetBody,
  listBudgetsQuery,
  updateAlertBody,
  updateBudgetBody,
} from './budgets.schemas.ts';
import {
  changeAlert,
  changeBudget,
  createAlert,
  createBudget,
  getAlerts,
  getBudget,
  removeAlert,
  removeBudget,
  toBudget,
  type BudgetContext,
} from './budgets.service.ts';

const tags = ['budgets'];

export interface BudgetsRoutesOptions {
  outbox: Outbox;
}

const thresholdsNote =
  'When spend of a budget period reaches an alert threshold, budget.threshold_crossed is published once for that ' +
  'threshold and period (the audit service turns it into a notification).';

export const budgetsRoutes: FastifyPluginAsyncZod<BudgetsRoutesOptions> = async (app, { outbox }) => {
  const contextOf = (request: FastifyRequest): BudgetContext => ({
    organizationId: request.auth.organizationId,
    userId: request.auth.userId,
    today: utcDay(new Date()),
    outbox,
  });

  app.post(
    '/budgets',
    {
      config: { permission: 'budgets:write' },
      schema: {
        summary: 'Create a budget',
        description:
          'An amount per calendar month, quarter or year, in one currency, for the spend its filters select. ' +
          'Add alert thresholds with POST /v1/budgets/{id}/alerts.',
        tags,
        body: createBudgetBody,
        response: { 201: budgetDetailSchema },
      },
    },
    async (request, reply) => {
      const budget = await request.withTenant((trx) => createBudget(trx, contextOf(request), request.body));
      return reply.status(201).send(budget);
    },
  );

  app.get(
    '/budgets',
    {
      config: { permission: 'budgets:read' },
      schema: {
        summary: "List the organisation's budgets, newest first",
        description: 'Without spend; GET /v1/budgets/{id} gives the current period\'s spend, forecast and alerts.',
        tags,
        querystring: listBudgetsQuery,
        response: { 200: pageSchema(budgetSchema) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await request.withTenant((trx) => listBudgets(trx, limit, decodeCursor(cursor)));
      const page = toPage(rows, limit);
      return { ...page, items: page.items.map(toBudget) };
    },
  );

  app.get(
    '/budgets/:id',
    {
      config: { permission: 'budgets:read' },
      schema: {
        summary: "One budget, with its current period's spend, forecast and percentage used, and its alerts",
        tags,
        params: budgetParams,
        response: { 200: budgetDetailSchema },
      },
    },
    async (request) => request.withTenant((trx) => getBudget(trx, request.params.id, utcDay(new Date()))),
  );

  app.patch(
    '/budgets/:id',
    {
      config: { permission: 'budgets:write' },
      schema: {
        summary: 'Change a budget',
        description:
          'A change of amount, currency, period, dates or filters re-judges the current period: its thresholds may be announced again.',
        tags,
        params: budgetParams,
        body: updateBudgetBody,
        response: { 200: budgetDetailSchema },
      },
    },
    async (request) => request.withTenant((trx) => changeBudget(trx, contextOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/budgets/:id',
    {
      config: { permission: 'budgets:write' },
      schema: {
        summary: 'Delete a budget and its alerts',
        tags,
        params: budgetParams,
        response: { 204: z.null().describe('deleted') },
      },
    },
    async (request, reply) => {
      await request.withTenant((trx) => removeBudget(trx, request.params.id));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/budgets/:id/alerts',
    {
      config: { permission: 'budgets:write' },
      schema: {
        summary: 'Add an alert threshold to a budget',
        description: `${thresholdsNote} A threshold the current period already reached is announced at once.`,
        tags,
        params: budgetParams,
        body: createAlertBody,
        response: { 201: alertSchema },
      },
    },
    async (request, reply) => {
      const alert = await request.withTenant((trx) => createAlert(trx, contextOf(request), request.params.id, request.body));
      return reply.status(201).send(alert);
    },
  );

  app.get(
    '/budgets/:id/alerts',
    {
      config: { permission: 'budgets:read' },
      schema: {
        summary: "A budget's alert thresholds",
        tags,
        params: budgetParams,
        response: { 200: z.object({ items: z.array(alertSchema) }) },
      },
    },
    async (request) => ({ items: await request.withTenant((trx) => getAlerts(trx, request.params.id)) }),
  );

  app.patch(
    '/budgets/:id/alerts/:alertId',
    {
      config: { permission: 'budgets:write' },
      schema: {
        summary: 'Change an alert threshold',
        description: 'A new threshold or type re-judges the current period: the alert may be announced again.',
        tags,
        params: alertParams,
        body: updateAlertBody,
        response: { 200: alertSchema },
      },
    },
    async (request) =>
      request.withTenant((trx) => changeAlert(trx, contextOf(request), request.params.id, request.params.alertId, request.body)),
  );

  app.delete(
    '/budgets/:id/alerts/:alertId',
    {
      config: { permission: 'budgets:write' },
      schema: {
        summary: 'Remove an alert threshold',
        tags,
        params: alertParams,
        response: { 204: z.null().describe('removed') },
      },
    },
    async (request, reply) => {
      await request.withTenant((trx) => removeAlert(trx, request.params.id, request.params.alertId));
      return reply.status(204).send(null);
    },
  );
};
