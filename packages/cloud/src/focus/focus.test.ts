import { Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { FocusCostRow } from '../adapter.ts';
import { canonicalDecimal, canonicalTimestamp, FocusFileError, readFocusCsv, readFocusParquet, type FocusBatch } from './index.ts';

async function collect(batches: AsyncIterable<FocusBatch>) {
  const rows: FocusCostRow[] = [];
  const errors: FocusBatch['errors'] = [];
  let count = 0;
  for await (const batch of batches) {
    count += 1;
    rows.push(...batch.rows);
    errors.push(...batch.errors);
  }
  return { rows, errors, batches: count };
}

const header =
  'BilledCost,EffectiveCost,ListCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,ServiceCategory,ChargeCategory,RegionId,ResourceId,SubAccountId,Tags';

describe('FOCUS CSV', () => {
  it('reads an AWS FOCUS export excerpt into normalised rows', async () => {
    const { rows, errors } = await collect(readFocusCsv(Readable.from([await readFile(new URL('./fixtures/aws-focus-excerpt.csv', import.meta.url))])));
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      charge_period_start: '2026-10-01T00:00:00.000Z',
      charge_period_end: '2026-10-02T00:00:00.000Z',
      billed_cost: '1.8816',
      effective_cost: '1.50528',
      list_cost: '1.8816',
      currency: 'USD',
      service_name: 'Amazon Elastic Compute Cloud',
      service_category: 'Compute',
      charge_category: 'Usage',
      region_id: 'us-east-1',
      provider_resource_id: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0a1b2c3d4e5f60718',
      sub_account_id: '123456789012',
      tags: { env: 'prod', team: 'web' },
      granularity: 'daily',
    });
    // A monthly purchase without ListCost or region; currency upper-cased.
    expect(rows[2]).toMatchObject({ granularity: 'monthly', list_cost: '12.5', currency: 'USD', charge_category: 'Purchase' });
    expect(rows[2]).not.toHaveProperty('region_id');
  });

  it('reports each bad row with its line and reason, and keeps every good row', async () => {
    const csv = [
      header,
      '1.5,1.5,1.5,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-1,123,',
      'abc,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-2,123,',
      '1,1,1,usd$,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-3,123,',
      '1,1,1,USD,2026-10-02,2026-10-01,EC2,Compute,Usage,us-east-1,i-4,123,',
      '"2","2","2",USD,2026-10-01,2026-10-02,"EC2, with a comma","Compute",Usage,us-east-1,"i-5\nsecond line",123,',
      '1,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Refund,us-east-1,i-6,123,',
      '1,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-7,123,{not json',
      '1,1,1,USD,2026-10-01 00:00:00,2026-10-01 01:00:00,EC2,Compute,Usage,us-east-1,i-8,999,',
      '1,1,1,USD,2026-10-01,2026-10-03,EC2,Compute,Usage,us-east-1,i-9,123,',
      '3,3,3,USD,2026-10-01T00:00:00+02:00,2026-10-01T01:00:00+02:00,EC2,Compute,Usage,eu-west-1,i-10,123,',
    ].join('\n');
    const { rows, errors } = await collect(readFocusCsv(Readable.from([csv]), { subAccountId: '123' }));

    expect(rows.map((row) => row.provider_resource_id)).toEqual(['i-1', 'i-5\nsecond line', 'i-10']);
    expect(rows[2]).toMatchObject({ charge_period_start: '2026-09-30T22:00:00.000Z', granularity: 'hourly' });
    expect(errors).toEqual([
      { line: 3, reason: "BilledCost: 'abc' is not a number" },
      { line: 4, reason: "BillingCurrency: 'usd$' is not an ISO 4217 code" },
      { line: 5, reason: 'ChargePeriodEnd is not after ChargePeriodStart' },
      { line: 8, reason: "ChargeCategory: 'Refund' is not one of Usage, Purchase, Tax, Credit, Adjustment" },
      { line: 9, reason: 'Tags is not valid JSON' },
      { line: 10, reason: 'SubAccountId 999 is not the imported account 123' },
      { line: 11, reason: 'the charge period 2026-10-01T00:00:00.000Z to 2026-10-03T00:00:00.000Z is not an hour, a day or a calendar month' },
    ]);
  });

  it('refuses a file without the required columns before yielding anything', async () => {
    await expect(collect(readFocusCsv(Readable.from(['Cost,Currency\n1,USD\n'])))).rejects.toThrow(
      new FocusFileError(
        'not a FOCUS file: missing required columns BilledCost, BillingCurrency, ChargePeriodStart, ChargePeriodEnd, ServiceName, ServiceCategory, ChargeCategory',
      ),
    );
    await expect(collect(readFocusCsv(Readable.from([''])))).rejects.toThrow(/empty/);
  });

  it('streams in batches of the asked size, across chunk boundaries', async () => {
    const line = '0.1,0.1,0.1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-1,123,"{""a"":1}"\n';
    const text = `${header}\n${line.repeat(2_500)}`;
    const chunks = text.match(/[\s\S]{1,777}/g)!;
    const { rows, batches } = await collect(readFocusCsv(Readable.from(chunks), { batchSize: 1_000 }));
    expect(rows).toHaveLength(2_500);
    expect(batches).toBe(3);
    expect(rows[0]!.tags).toEqual({ a: '1' });
  });
});

describe('FOCUS Parquet', () => {
  it('reads the same rows, with exact decimals and row-numbered errors', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'BilledCost', data: [1.8816, 0.1, Number.NaN], type: 'DOUBLE' },
        { name: 'BillingCurrency', data: ['USD', 'EUR', 'USD'], type: 'STRING' },
        { name: 'ChargePeriodStart', data: [new Date('2026-10-01T00:00:00Z'), new Date('2026-10-01T00:00:00Z'), new Date('2026-10-01T00:00:00Z')], type: 'TIMESTAMP' },
        { name: 'ChargePeriodEnd', data: [new Date('2026-10-02T00:00:00Z'), new Date('2026-10-02T00:00:00Z'), new Date('2026-10-02T00:00:00Z')], type: 'TIMESTAMP' },
        { name: 'ServiceName', data: ['Compute Engine', 'Cloud Storage', 'Compute Engine'], type: 'STRING' },
        { name: 'ServiceCategory', data: ['Compute', 'Storage', 'Compute'], type: 'STRING' },
        { name: 'ChargeCategory', data: ['Usage', 'Usage', 'Usage'], type: 'STRING' },
        { name: 'Tags', data: ['{"env":"dev"}', null, null], type: 'STRING' },
      ],
    });
    const { rows, errors } = await collect(readFocusParquet(buffer));
    expect(rows.map((row) => [row.billed_cost, row.effective_cost, row.currency, row.granularity])).toEqual([
      ['1.8816', '1.8816', 'USD', 'daily'],
      ['0.1', '0.1', 'EUR', 'daily'],
    ]);
    expect(rows[0]!.tags).toEqual({ env: 'dev' });
    expect(errors).toEqual([{ line: 4, reason: "BilledCost: 'NaN' is not a number" }]);
  });
});

describe('normalisation', () => {
  it.each([
    ['1.2300', '1.23'],
    ['1e-3', '0.001'],
    ['-0', '0'],
    ['-0.50', '-0.5'],
    ['.5', '0.5'],
    ['12E2', '1200'],
    ['007', '7'],
    ['1.5e+1', '15'],
  ])('decimal %s -> %s', (input, output) => expect(canonicalDecimal(input)).toBe(output));

  it.each(['', '.', '1,5', '1.2.3', 'ten', 'Infinity'])('refuses %j as a decimal', (input) => expect(canonicalDecimal(input)).toBeUndefined());

  it('reads date-times as UTC unless they say otherwise', () => {
    expect(canonicalTimestamp('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(canonicalTimestamp('2026-11-01 05:00:00')).toBe('2026-11-01T05:00:00.000Z');
    expect(canonicalTimestamp('2026-11-01T05:00:00-0100')).toBe('2026-11-01T06:00:00.000Z');
    expect(canonicalTimestamp('2026-13-01')).toBeUndefined();
    expect(canonicalTimestamp('yesterday')).toBeUndefined();
  });
});
