/**
 * Every route of every service answers rows as their tables hold them: each response object with an
 * id is a rowSchema naming its table, and each of its fields is nullable exactly when its column is
 * (the table registry's mirror, itself checked against the migrated database). Read from each
 * service's OpenAPI document, so no route escapes.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rowSchemaProblems } from '@stratus/db';
import { startTestApp } from '@stratus/runtime/testing';
import { service as actionExecutor } from '../../services/action-executor/src/app.ts';
import { service as audit } from '../../services/audit/src/app.ts';
import { service as consoleService } from '../../services/console/src/app.ts';
import { service as cost } from '../../services/cost/src/app.ts';
import { service as ingestion } from '../../services/ingestion/src/app.ts';
import { service as recommendation } from '../../services/recommendation/src/app.ts';

const services = { ingestion, cost, recommendation, 'action-executor': actionExecutor, audit, console: consoleService };

describe('response schemas vs the tables', () => {
  it.each(Object.keys(services))('%s: every row object names its table and agrees with it on null', async (name) => {
    const app = await startTestApp(services[name as keyof typeof services] as Parameters<typeof startTestApp>[0], {
      overrides: { CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}` },
    });
    try {
      const document = await app.call('GET', '/docs/json');
      expect(document.status).toBe(200);
      expect(Object.keys(document.body.paths).length).toBeGreaterThan(0);
      expect(rowSchemaProblems(document.body)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('finds a field nullable where its column is not null, a row naming no table, and a table that does not exist', () => {
    const document = {
      paths: {
        '/operations': {
          get: {
            responses: {
              200: {
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      properties: {
                        items: {
                          type: 'array',
                          items: {
                            type: 'object',
                            'x-stratus-table': 'operations',
                            properties: { status: { anyOf: [{ type: 'string' }, { type: 'null' }] }, result: {}, user_id: { type: ['string', 'null'] } },
                          },
                        },
                        other: { type: 'object', properties: { id: { type: 'string' } } },
                        ghost: { type: 'object', 'x-stratus-table': 'ghosts', properties: {} },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
    expect(rowSchemaProblems(document)).toEqual([
      'GET /operations 200: status is nullable, but operations.status is not null',
      'GET /operations 200: an object with an id names no table (build it with rowSchema)',
      'GET /operations 200: ghosts is no table',
    ]);
  });
});
