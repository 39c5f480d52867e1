import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeCursor, pageSchema, toPage } from '@stratus/http';
import { listAccounts } from './cloud-accounts.repository.ts';
import { accountParams, cloudAccountSchema, linkBody, listQuery, updateBody } from './cloud-accounts.schemas.ts';
import {
  getCloudAccount,
  linkCloudAccount,
  toCloudAccount,
  unlinkCloudAccount,
  updateCloudAccount,
  type CloudAccountsOptions,
} from './cloud-accounts.service.ts';

const tags = ['cloud-accounts'];

export const cloudAccountsRoutes: FastifyPluginAsyncZod<CloudAccountsOptions> = async (app, { keyring, defaultAdapter, outbox }) => {
  const accounts: CloudAccountsOptions = { keyring, defaultAdapter, outbox };

  app.post(
    '/cloud-accounts',
    {
      config: { permission: 'cloud_accounts:write' },
      schema: {
        summary: 'Link a cloud account',
        description:
          'Stores the account and its credentials (encrypted; never returned) and emits cloud_account.linked, all or nothing. ' +
          'A simulated account ("sim") takes no credentials; a live one requires them. Linking an account that was unlinked ' +
          'links it again, keeping its history; linking one that is linked is a 409.',
        tags,
        body: linkBody,
        response: { 201: cloudAccountSchema },
      },
    },
    async (request, reply) => {
      const account = await request.withTenant((trx) => linkCloudAccount(trx, accounts, request.auth, request.body));
      return reply.status(201).send(account);
    },
  );

  app.get(
    '/cloud-accounts',
    {
      config: { permission: 'cloud_accounts:read' },
      schema: {
        summary: "List the organisation's cloud accounts, newest first",
        description: 'Unlinked accounts are listed too (their history is kept); filter with status.',
        tags,
        querystring: listQuery,
        response: { 200: pageSchema(cloudAccountSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const rows = await request.withTenant((trx) => listAccounts(trx, filters, limit, decodeCursor(cursor)));
      const page = toPage(rows, limit);
      return { ...page, items: page.items.map(toCloudAccount) };
    },
  );

  app.get(
    '/cloud-accounts/:id',
    {
      config: { permission: 'cloud_accounts:read' },
      schema: { summary: 'One cloud account', tags, params: accountParams, response: { 200: cloudAccountSchema } },
    },
    async (request) => request.withTenant((trx) => getCloudAccount(trx, request.params.id)),
  );

  app.patch(
    '/cloud-accounts/:id',
    {
      config: { permission: 'cloud_accounts:write' },
      schema: {
        summary: 'Rename, reconfigure, pause or resume a cloud account, or replace its credentials',
        tags,
        params: accountParams,
        body: updateBody,
        response: { 200: cloudAccountSchema },
      },
    },
    async (request) =>
      request.withTenant((trx) => updateCloudAccount(trx, accounts, request.auth, request.params.id, request.body)),
  );

  app.delete(
    '/cloud-accounts/:id',
    {
      config: { permission: 'cloud_accounts:write' },
      schema: {
        summary: 'Unlink a cloud account',
        description:
          'Deletes its credentials, stops discovery and emits cloud_account.unlinked; its resources and cost history are kept ' +
          '(the account stays listed with status "unlinked"). Unlinking it again is a no-op 204.',
        tags,
        params: accountParams,
        response: { 204: z.null().describe('unlinked') },
      },
    },
    async (request, reply) => {
      await request.withTenant((trx) => unlinkCloudAccount(trx, outbox, request.auth, request.params.id));
      return reply.status(204).send(null);
    },
  );
};
