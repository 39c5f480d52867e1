import { Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeReport, type Database } from '@stratus/db';
import type { Kysely } from 'kysely';
import { exportLines, publicKeyOf, verifyOrganization } from './audit-chain.service.ts';

const problemSchema = z.object({
  kind: z.enum(['changed', 'deleted', 'inserted', 'reordered', 'checkpoint_signature_invalid', 'checkpoint_mismatch', 'checkpoint_missing']),
  sequence: z.string(),
  row_id: z.string().optional().describe('the audit_logs row found there'),
  message: z.string(),
});

const reportSchema = z.object({
  organization_id: z.uuid(),
  rows: z.number().int(),
  valid_rows: z.number().int(),
  checkpoints: z.number().int(),
  valid_checkpoints: z.number().int(),
  valid: z.boolean().describe('every row and every checkpoint valid'),
  summary: z.string().describe('`N/M rows valid, ...` and the first broken link'),
  problems: z.array(problemSchema).describe('in the order found: the first is the first broken link'),
});

export const auditRoutes: FastifyPluginAsyncZod<{ db: Kysely<Database>; signingKey: KeyObject | undefined }> = async (app, { db, signingKey }) => {
  const publicKey = publicKeyOf(signingKey);

  app.get(
    '/audit/verify',
    {
      config: { permission: 'audit_logs:read' },
      schema: {
        summary: "Walks the organisation's audit chain and its signed checkpoints",
        tags: ['audit'],
        response: { 200: reportSchema },
      },
    },
    async (request) => {
      const report = await verifyOrganization(db, request.auth.organizationId, publicKey);
      return {
        ...report,
        valid: report.problems.length === 0,
        summary: describeReport(report),
      };
    },
  );

  app.get(
    '/audit/export',
    {
      config: { permission: 'audit_logs:read' },
      schema: {
        summary: "The organisation's audit chain and checkpoints as JSON lines, verifiable offline",
        description: 'Lines `{"kind":"row",...}` in chain order, then `{"kind":"checkpoint",...}`: `stratus audit verify --file` checks them.',
        tags: ['audit'],
      },
    },
    async (request, reply) => reply.type('application/jsonl').send(Readable.from(exportLines(db, request.auth.organizationId))),
  );

  app.get(
    '/audit/public-key',
    {
      config: { permission: 'audit_logs:read' },
      schema: { summary: 'The public key that checks the checkpoints (PEM)', tags: ['audit'] },
    },
    async (_request, reply) => {
      if (!publicKey) return reply.code(404).type('text/plain').send('AUDIT_SIGNING_KEY is not configured: no checkpoint is signed');
      return reply.type('application/x-pem-file').send(publicKey.export({ format: 'pem', type: 'spki' }));
    },
  );
};
