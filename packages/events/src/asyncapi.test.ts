import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { eventTypes } from './catalogue/catalogue.ts';
import { asyncApiPath, buildAsyncApiDocument, renderAsyncApi } from './asyncapi.ts';

describe('AsyncAPI catalogue', () => {
  it('is committed up to date (regenerate: pnpm --filter @stratus/events catalogue)', async () => {
    const committed = await readFile(asyncApiPath, 'utf8').catch(() => '');
    expect(
      committed === renderAsyncApi(),
      'packages/events/asyncapi.json is out of date with the catalogue: run `pnpm --filter @stratus/events catalogue` and commit it',
    ).toBe(true);
  });

  it('has a channel, a send operation and a message per event type', () => {
    const document = buildAsyncApiDocument() as {
      asyncapi: string;
      channels: Record<string, { address: string }>;
      operations: Record<string, unknown>;
      components: { messages: Record<string, { payload: { properties: Record<string, unknown>; required: string[] } }> };
    };
    expect(document.asyncapi).toBe('3.0.0');
    expect(Object.keys(document.channels)).toEqual(eventTypes);
    expect(Object.keys(document.operations)).toHaveLength(eventTypes.length);
    expect(document.channels['cost.ingested']!.address).toBe('{prefix}cost.ingested');
    const message = document.components.messages['cost.ingested.v1']!;
    expect(message.payload.required).toEqual(expect.arrayContaining(['id', 'type', 'version', 'time', 'tenant', 'subject', 'data']));
    expect(message.payload.properties.type).toMatchObject({ const: 'cost.ingested' });
    // Every version still readable is listed; producers send the newest only.
    const versions = (version: number) => document.components.messages[`recommendation.created.v${version}`]!.payload.properties;
    expect(versions(1)).toMatchObject({ version: { const: 1 }, data: { properties: { priority: { enum: ['high', 'medium', 'low'] } } } });
    expect(versions(2)).toMatchObject({ version: { const: 2 }, data: { properties: { priority: { enum: [1, 2, 3] } } } });
    expect(Object.keys((document.channels['recommendation.created'] as unknown as { messages: object }).messages)).toEqual([
      'recommendation.created.v1',
      'recommendation.created.v2',
    ]);
    expect(document.operations['send.recommendation.created']).toMatchObject({
      messages: [{ $ref: '#/channels/recommendation.created/messages/recommendation.created.v2' }],
    });
    // Outside subscribers validate with these schemas: fields added later must not break them.
    expect(JSON.stringify(document)).not.toContain('"additionalProperties":false');
  });
});
