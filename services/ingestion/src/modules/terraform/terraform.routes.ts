import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newestFirst } from '@stratus/db';
import { AppError, decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import { coverageByAccount, listDiscovered, listMissing, missingWithoutAccount } from './terraform.repository.ts';
import {
  coverageQuery,
  coverageSchema,
  createStateBody,
  idParams,
  matchQuery,
  matchSchema,
  stateSchema,
  terraformResourceSchema,
  updateStateBody,
} from './terraform.schemas.ts';
import { createState, stateOrThrow, statesQuery, stateView, updateState, uploadState, type TerraformDeps } from './terraform.service.ts';

export interface TerraformRoutesOptions extends TerraformDeps {
  queues: Queues;
  /** The largest state file taken by an upload. */
  maxStateBytes: number;
}

const tags = ['terraform'];
const STATE_FILE = 'application/octet-stream';

export const terraformRoutes: FastifyPluginAsyncZod<TerraformRoutesOptions> = async (app, { keyring, outbox, queues, maxStateBytes }) => {
  const deps: TerraformDeps = { keyring, outbox };
  // A state file is parsed whole (and sealed whole), so it is read into memory, up to its limit.
  app.addContentTypeParser(STATE_FILE, { parseAs: 'buffer', bodyLimit: maxStateBytes }, (_request, body, done) => done(null, body));

  app.post(
    '/terraform/states',
    {
      config: { permission: 'resources:write' },
      schema: {
        summary: 'Register a Terraform state',
        description:
          'Without backend, upload the state file next (PUT /v1/terraform/states/{id}/state). With an HTTP, s3 or azurerm backend, Stratus pulls ' +
          'the state every pull_interval_minutes (and at once on POST .../pull); its address and credentials are sealed and never returned. ' +
          'The s3 backend reads any S3-compatible endpoint: AWS S3, GCS in interoperability mode (https://storage.googleapis.com with HMAC keys), MinIO, Ceph; ' +
          'the azurerm backend reads a blob in Azure Storage with an access key or a SAS token.',
        tags,
        body: createStateBody,
        response: { 201: stateSchema },
      },
    },
    async (request, reply) => {
      const state = await request.withTenant(async (trx) => stateView(trx, await createState(trx, deps, request.auth.organizationId, request.body)));
      if (state.backend !== 'upload') await queues.enqueue('terraform.state.pull', { terraform_state_id: state.id, organization_id: request.auth.organizationId });
      return reply.status(201).send(state);
    },
  );

  app.get(
    '/terraform/states',
    {
      config: { permission: 'resources:read' },
      schema: { summary: "The organisation's Terraform states, newest first", tags, querystring: pageQuery, response: { 200: pageSchema(stateSchema) } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await request.withTenant((trx) => statesQuery(trx).$call(newestFirst(decodeCursor(cursor), limit)).execute());
      return toPage(rows, limit);
    },
  );

  app.get(
    '/terraform/states/:id',
    { config: { permission: 'resources:read' }, schema: { summary: 'One Terraform state (what was parsed of it)', tags, params: idParams, response: { 200: stateSchema } } },
    async (request) => request.withTenant((trx) => stateView(trx, request.params.id)),
  );

  app.patch(
    '/terraform/states/:id',
    {
      config: { permission: 'resources:write' },
      schema: { summary: "Rename a state, or change its account, pull interval or module versions", tags, params: idParams, body: updateStateBody, response: { 200: stateSchema } },
    },
    async (request) =>
      request.withTenant(async (trx) => {
        await updateState(trx, deps, request.auth.organizationId, request.params.id, request.body);
        return stateView(trx, request.params.id);
      }),
  );

  app.put(
    '/terraform/states/:id/state',
    {
      config: { permission: 'resources:write' },
      schema: {
        summary: 'Upload a new version of a state',
        description:
          `Send the state file as the body with Content-Type ${STATE_FILE}: the state itself (format version 4, \`terraform state pull\`) ` +
          'or `terraform show -json` of it. It is sealed and never returned; its managed resource instances are parsed, linked to the ' +
          'registered modules and compared with discovery (resource.drifted).',
        tags,
        params: idParams,
        response: { 200: stateSchema },
      },
    },
    async (request) => {
      if (!Buffer.isBuffer(request.body)) throw new AppError('invalid', `send the state file as the body with Content-Type ${STATE_FILE}`);
      const file = request.body;
      return request.withTenant(async (trx) => {
        await uploadState(trx, deps, request.params.id, file);
        return stateView(trx, request.params.id);
      });
    },
  );

  app.post(
    '/terraform/states/:id/pull',
    {
      config: { permission: 'resources:write' },
      schema: {
        summary: 'Pull a state from its backend now',
        tags,
        params: idParams,
        response: { 202: z.object({ job_id: z.string(), terraform_state_id: z.uuid() }) },
      },
    },
    async (request, reply) => {
      const state = await request.withTenant((trx) => stateOrThrow(trx, request.params.id));
      if (state.backend === 'upload') throw new AppError('conflict', `terraform state ${state.id} has no backend: upload it instead`);
      const job = await queues.enqueue('terraform.state.pull', { terraform_state_id: state.id, organization_id: request.auth.organizationId });
      return reply.status(202).send({ job_id: job.id!, terraform_state_id: state.id });
    },
  );

  app.delete(
    '/terraform/states/:id',
    {
      config: { permission: 'resources:write' },
      schema: { summary: 'Forget a state and what was parsed of it', tags, params: idParams, response: { 204: z.null().describe('deleted') } },
    },
    async (request, reply) => {
      const deleted = await request.withTenant((trx) => trx.deleteFrom('terraform_states').where('id', '=', request.params.id).returning('id').executeTakeFirst());
      if (!deleted) throw new AppError('not_found', `terraform state ${request.params.id} not found`);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/terraform/states/:id/resources',
    {
      config: { permission: 'resources:read' },
      schema: {
        summary: "A state's managed resource instances: address, module, provider, type, index key and provider ids",
        tags,
        params: idParams,
        querystring: pageQuery,
        response: { 200: pageSchema(terraformResourceSchema) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await request.withTenant(async (trx) => {
        await stateOrThrow(trx, request.params.id);
        return trx
          .selectFrom('terraform_resources')
          .select(['id', 'terraform_state_id', 'terraform_module_id', 'address', 'module_path', 'type', 'name', 'provider', 'index_key', 'provider_ids', 'size_attribute', 'size', 'tags', 'created_at'])
          .where('terraform_state_id', '=', request.params.id)
          .$narrowType<{ tags: Record<string, string> | null }>()
          .$call(newestFirst(decodeCursor(cursor), limit))
          .execute();
      });
      return toPage(rows, limit);
    },
  );

  app.get(
    '/terraform/coverage',
    {
      config: { permission: 'resources:read' },
      schema: {
        summary: 'IaC coverage per cloud account: managed, unmanaged and missing resources',
        description:
          'As driftctl counts them: a discovered resource is managed when a state instance gives its provider id (instance id, ARN, ' +
          'Azure resource id, GCP self link), unmanaged otherwise; a state instance that discovery does not have is missing.',
        tags,
        querystring: coverageQuery,
        response: { 200: coverageSchema },
      },
    },
    async (request) =>
      request.withTenant(async (trx) => {
        const rows = await coverageByAccount(trx, request.query.cloud_account_id);
        return {
          accounts: rows.map((row) => ({ ...row, unmanaged: row.discovered - row.managed, coverage_percent: percent(row.managed, row.discovered) })),
          missing_without_account: request.query.cloud_account_id === undefined ? await missingWithoutAccount(trx) : 0,
        };
      }),
  );

  app.get(
    '/terraform/resources',
    {
      config: { permission: 'resources:read' },
      schema: {
        summary: "An account's managed, unmanaged or missing resources",
        description: 'managed and unmanaged need cloud_account_id; missing without it lists the instances of states that name no account.',
        tags,
        querystring: matchQuery,
        response: { 200: pageSchema(matchSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, cloud_account_id, status } = request.query;
      const after = decodeCursor(cursor);
      if (status === 'missing') {
        const rows = await request.withTenant((trx) => listMissing(trx, cloud_account_id ?? null, limit, after));
        const page = toPage(rows, limit);
        return {
          ...page,
          items: page.items.map((row) => ({
            status,
            resource_id: null,
            provider_resource_id: row.provider_ids[0] ?? null,
            type: row.type,
            name: null,
            managed_by: { terraform_resource_id: row.id, terraform_state_id: row.terraform_state_id, address: row.address, terraform_module_id: row.terraform_module_id },
          })),
        };
      }
      if (cloud_account_id === undefined) throw new AppError('invalid', `cloud_account_id: required to list ${status} resources`);
      const rows = await request.withTenant((trx) => listDiscovered(trx, cloud_account_id, status === 'managed', limit, after));
      const page = toPage(rows, limit);
      return {
        ...page,
        items: page.items.map((row) => ({ status, resource_id: row.id, provider_resource_id: row.provider_resource_id, type: row.type, name: row.name, managed_by: row.managed_by })),
      };
    },
  );
};

/** Two decimals, rounded down, so that 99.999 % is never shown as 100.00. */
export function percent(part: number, whole: number): string {
  if (whole === 0) return '0.00';
  return (Math.floor((10_000 * part) / whole) / 100).toFixed(2);
}
