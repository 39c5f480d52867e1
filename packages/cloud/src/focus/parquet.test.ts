import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { FocusFileError, readFocusParquet } from './index.ts';
import { collect, eventRow } from './test-support.ts';

const text = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
const timestamp = (name: string): SchemaElement => ({ name, type: 'INT64', converted_type: 'TIMESTAMP_MICROS', repetition_type: 'OPTIONAL' });

/** An AWS-style Parquet export: DECIMAL costs, microsecond timestamps, Tags as a MAP, and columns the reader ignores. */
function awsStyleExport(): ArrayBuffer {
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: 12 },
    { name: 'BilledCost', type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, repetition_type: 'OPTIONAL', converted_type: 'DECIMAL', precision: 38, scale: 10, logical_type: { type: 'DECIMAL', precision: 38, scale: 10 } },
    { name: 'EffectiveCost', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'DECIMAL', precision: 18, scale: 6 },
    { name: 'ListCost', type: 'FLOAT', repetition_type: 'OPTIONAL' },
    text('BillingCurrency'),
    timestamp('ChargePeriodStart'),
    timestamp('ChargePeriodEnd'),
    text('ServiceName'),
    text('ServiceCategory'),
    text('ChargeCategory'),
    { name: 'Tags', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'MAP' },
    { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
    { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    { name: 'value', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    text('x_ServiceCode'),
    { name: 'x_UsageAmount', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  ];
  const day = (d: number) => new Date(Date.UTC(2026, 9, d));
  const columnData: ColumnSource[] = [
    // Unscaled integers: 12345678901234.5678901234 needs 24 digits, which no double holds.
    { name: 'BilledCost', data: [123456789012345678901234n, -15n, 18816000000n, null] },
    { name: 'EffectiveCost', data: [1881600n, -1n, 5n, 1n] },
    { name: 'ListCost', data: [0.1, 1.5, 3, null] },
    { name: 'BillingCurrency', data: ['USD', 'usd', 'USD', 'USD'] },
    { name: 'ChargePeriodStart', data: [day(1), day(1), day(1), day(1)] },
    { name: 'ChargePeriodEnd', data: [day(2), day(2), new Date(Date.UTC(2026, 9, 1, 1)), day(2)] },
    { name: 'ServiceName', data: ['Amazon Elastic Compute Cloud', 'Amazon Simple Storage Service', 'AWS Lambda', 'Amazon EC2'] },
    { name: 'ServiceCategory', data: ['Compute', 'Storage', 'Compute', 'Compute'] },
    { name: 'ChargeCategory', data: ['Usage', 'credit', 'Usage', 'Usage'] },
    { name: 'Tags', data: [[{ key: 'user:env', value: 'prod' }, { key: 'user:owner', value: null }], [], null, null] },
    { name: 'x_ServiceCode', data: ['AmazonEC2', 'AmazonS3', 'AWSLambda', 'AmazonEC2'] },
    { name: 'x_UsageAmount', data: [24, 1, 1, 1] },
  ];
  return parquetWriteBuffer({ schema, columnData });
}

describe('readFocusParquet', () => {
  it('reads a generated Parquet export with exact decimals, float values without noise and MAP tags', async () => {
    const { rows, errors, summary } = await collect(readFocusParquet(awsStyleExport()));

    expect(rows[0]).toEqual({
      charge_period_start: '2026-10-01T00:00:00.000Z',
      charge_period_end: '2026-10-02T00:00:00.000Z',
      billed_cost: '12345678901234.5678901234',
      effective_cost: '1.8816',
      list_cost: '0.1',
      currency: 'USD',
      service_name: 'Amazon Elastic Compute Cloud',
      service_category: 'Compute',
      charge_category: 'Usage',
      tags: { 'user:env': 'prod' },
      granularity: 'daily',
    });
    expect(rows.slice(1).map((row) => [row.billed_cost, row.effective_cost, row.list_cost, row.currency, row.charge_category, row.granularity])).toEqual([
      ['-0.0000000015', '-0.000001', '1.5', 'USD', 'Credit', 'daily'],
      ['1.8816', '0.000005', '3', 'USD', 'Usage', 'hourly'],
    ]);
    expect(errors).toMatchObject([{ line: 5, reason: 'BilledCost is empty or null' }]);
    expect(summary).toEqual({ rows: 4, valid: 3, rejected: 1 });
    for (const row of rows) eventRow.parse(row);
  });

  it('numbers rows across row groups and batches, doubles in their shortest form', async () => {
    const count = 2_500;
    const doubles = [1.8816, 0.1, 1e-7, 0.1 + 0.2, 123456.789];
    const buffer = parquetWriteBuffer({
      rowGroupSize: 1_000,
      columnData: [
        { name: 'BilledCost', type: 'DOUBLE', data: Array.from({ length: count }, (_, index) => (index % 700 === 699 ? Number.NaN : doubles[index % doubles.length]!)) },
        { name: 'BillingCurrency', type: 'STRING', data: Array.from({ length: count }, () => 'EUR') },
        { name: 'ChargePeriodStart', type: 'STRING', data: Array.from({ length: count }, () => '2026-10-01 00:00:00') },
        { name: 'ChargePeriodEnd', type: 'STRING', data: Array.from({ length: count }, () => '2026-10-01 01:00:00') },
        { name: 'ServiceName', type: 'STRING', data: Array.from({ length: count }, (_, index) => (index === 1_234 ? null : 'Compute Engine')) },
        { name: 'ServiceCategory', type: 'STRING', data: Array.from({ length: count }, () => 'Compute') },
        { name: 'ChargeCategory', type: 'STRING', data: Array.from({ length: count }, () => 'Usage') },
        { name: 'ResourceId', type: 'STRING', data: Array.from({ length: count }, (_, index) => `vm-${index}`) },
        { name: 'Tags', type: 'STRING', data: Array.from({ length: count }, (_, index) => (index === 2_000 ? '{broken' : '{"team":"data"}')) },
      ],
    });
    const { rows, errors, batches } = await collect(readFocusParquet(buffer, { batchSize: 300 }));

    expect(rows.slice(0, 5).map((row) => row.billed_cost)).toEqual(['1.8816', '0.1', '0.0000001', '0.30000000000000004', '123456.789']);
    expect(errors).toMatchObject([
      { line: 701, reason: "BilledCost: 'NaN' is not a number" },
      { line: 1_236, reason: 'ServiceName is empty or null' },
      { line: 1_401, reason: "BilledCost: 'NaN' is not a number" },
      { line: 2_002, reason: 'Tags is not valid JSON' },
      { line: 2_101, reason: "BilledCost: 'NaN' is not a number" },
    ]);
    expect(rows).toHaveLength(count - 5);
    expect(rows.at(-1)).toMatchObject({ provider_resource_id: 'vm-2499', currency: 'EUR', granularity: 'hourly', tags: { team: 'data' } });
    expect(batches.slice(0, -1).every((batch) => batch.rows.length === 300)).toBe(true);
    expect(batches.at(-1)!.rows).toHaveLength((count - 5) % 300);
  });

  it('reads a file by its path, and bytes that are a view into a larger buffer, Node Buffers too', async () => {
    const bytes = new Uint8Array(awsStyleExport());
    const expected = await collect(readFocusParquet(bytes));
    const larger = new Uint8Array(bytes.length + 100);
    larger.set(bytes, 37);
    expect(await collect(readFocusParquet(larger.subarray(37, 37 + bytes.length)))).toEqual(expected);
    expect(await collect(readFocusParquet(Buffer.from(larger.buffer, 37, bytes.length)))).toEqual(expected);

    const dir = await mkdtemp(join(tmpdir(), 'stratus-focus-'));
    try {
      const path = join(dir, 'export.parquet');
      await writeFile(path, bytes);
      expect(await collect(readFocusParquet(path))).toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file without the required columns, or one that is not Parquet', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'Cost', type: 'DOUBLE', data: [1] }, { name: 'ServiceName', type: 'STRING', data: ['EC2'] }] });
    await expect(readFocusParquet(buffer).next()).rejects.toThrow(
      new FocusFileError('not a FOCUS file: missing required columns BilledCost, BillingCurrency, ChargePeriodStart, ChargePeriodEnd, ServiceCategory, ChargeCategory'),
    );
    await expect(readFocusParquet(Buffer.from('BilledCost,BillingCurrency\n1,USD\n')).next()).rejects.toThrow(/^not a Parquet file: /);
  });
});
