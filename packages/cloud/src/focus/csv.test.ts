import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FocusFileError, readFocusCsv } from './index.ts';
import { collect, eventRow } from './test-support.ts';

const header = 'BilledCost,EffectiveCost,ListCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,ServiceCategory,ChargeCategory,RegionId,ResourceId,SubAccountId,Tags';
const good = (id: string) => `1.5,1.5,1.5,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,${id},123,`;
const csv = (...lines: string[]) => Readable.from([lines.join('\n')]);

describe('readFocusCsv', () => {
  it('reads an AWS FOCUS export excerpt into normalised rows, ignoring the columns it does not use', async () => {
    const { rows, errors, summary } = await collect(readFocusCsv(createReadStream(new URL('./fixtures/aws-focus-excerpt.csv', import.meta.url))));

    expect(errors).toMatchObject([]);
    expect(summary).toEqual({ rows: 6, valid: 6, rejected: 0 });
    expect(rows[0]).toEqual({
      charge_period_start: '2026-10-01T00:00:00.000Z',
      charge_period_end: '2026-10-02T00:00:00.000Z',
      billed_cost: '1.8816',
      effective_cost: '1.8816',
      list_cost: '1.8816',
      currency: 'USD',
      service_name: 'Amazon Elastic Compute Cloud',
      service_category: 'Compute',
      charge_category: 'Usage',
      region_id: 'us-east-1',
      provider_resource_id: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0a1b2c3d4e5f60718',
      sub_account_id: '123456789012',
      sub_account_name: 'production',
      provider_name: 'AWS',
      tags: { 'user:env': 'prod', 'user:team': 'web' },
      granularity: 'daily',
    });
    expect(rows.map((row) => [row.charge_category, row.granularity, row.billed_cost, row.effective_cost, row.list_cost])).toEqual([
      ['Usage', 'daily', '1.8816', '1.8816', '1.8816'],
      ['Usage', 'daily', '0.2666666667', '0.2666666667', '0.2666666667'],
      // Covered by a Savings Plan: nothing billed, the amortised cost is effective.
      ['Usage', 'hourly', '0', '0.0523', '0.0784'],
      // No ListCost: it is the billed cost.
      ['Purchase', 'monthly', '36.5', '0', '36.5'],
      ['Credit', 'monthly', '-5', '-5', '-5'],
      ['Tax', 'monthly', '0.41', '0.41', '0.41'],
    ]);
    // Empty optional cells are absent, not empty strings.
    expect(rows[4]).not.toHaveProperty('region_id');
    expect(rows[4]).not.toHaveProperty('provider_resource_id');
    expect(rows[4]!.tags).toEqual({});
    for (const row of rows) eventRow.parse(row);
  });

  it('reports each bad row with its line and reason, and keeps every good row', async () => {
    const { rows, errors, summary } = await collect(
      readFocusCsv(
        csv(
          header,
          good('i-1'),
          'abc,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-2,123,',
          '1,1,1,usd$,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-3,123,',
          '1,1,1,USD,2026-10-02,2026-10-01,EC2,Compute,Usage,us-east-1,i-4,123,',
          // A quoted field with a comma and a line break: the rows after it keep their line numbers.
          '"2","2","2",USD,2026-10-01,2026-10-02,"EC2, with a comma","Compute",Usage,us-east-1,"i-5\nsecond line",123,',
          '1,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Refund,us-east-1,i-6,123,',
          '1,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-7,123,{not json',
          '1,1,1,USD,2026-10-01,2026-10-03,EC2,Compute,Usage,us-east-1,i-8,123,',
          '1,x,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-9,123,',
          '1,1,1e,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-10,123,',
          ',1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-11,123,',
          '1,1,1,USD,2026-10-01,2026-10-02,,Compute,Usage,us-east-1,i-12,123,',
          '1,1,1,USD,2026-10-01,2026-02-30,EC2,Compute,Usage,us-east-1,i-13,123,',
          '1,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-14,123,"[""a""]"',
          '1,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,us-east-1,i-15',
          '3,3,3,eur,2026-10-01T00:00:00+02:00,2026-10-01T01:00:00+02:00,EC2,Compute,usage,eu-west-1,i-16,123,',
        ),
      ),
    );

    expect(rows.map((row) => row.provider_resource_id)).toEqual(['i-1', 'i-5\nsecond line', 'i-16']);
    expect(rows[1]!.service_name).toBe('EC2, with a comma');
    expect(rows[2]).toMatchObject({ charge_period_start: '2026-09-30T22:00:00.000Z', granularity: 'hourly', currency: 'EUR', charge_category: 'Usage' });
    expect(errors).toMatchObject([
      { line: 3, reason: "BilledCost: 'abc' is not a number" },
      { line: 4, reason: "BillingCurrency: 'usd$' is not an ISO 4217 code" },
      { line: 5, reason: 'ChargePeriodEnd is before ChargePeriodStart' },
      { line: 8, reason: "ChargeCategory: 'Refund' is not one of Usage, Purchase, Tax, Credit, Adjustment" },
      { line: 9, reason: 'Tags is not valid JSON' },
      { line: 10, reason: 'the charge period 2026-10-01T00:00:00.000Z to 2026-10-03T00:00:00.000Z is not an hour, a day or a calendar month' },
      { line: 11, reason: "EffectiveCost: 'x' is not a number" },
      { line: 12, reason: "ListCost: '1e' is not a number" },
      { line: 13, reason: 'BilledCost is empty or null' },
      { line: 14, reason: 'ServiceName is empty or null' },
      { line: 15, reason: "ChargePeriodEnd: '2026-02-30' is not a date-time" },
      { line: 16, reason: 'Tags is not a JSON object' },
      { line: 17, reason: 'the row has 11 fields, the header 13' },
    ]);
    expect(summary).toEqual({ rows: 16, valid: 3, rejected: 13 });
  });

  it('refuses a row whose text PostgreSQL could not store or index: a 1 MB cell, a NUL, a lone surrogate in a tag', async () => {
    const row = (cells: { service?: string; resource?: string; tags?: string }) =>
      `1,1,1,USD,2026-10-01,2026-10-02,${cells.service ?? 'EC2'},Compute,Usage,us-east-1,${cells.resource ?? 'i-1'},123,${cells.tags ?? ''}`;
    const { rows, errors } = await collect(
      readFocusCsv(
        csv(
          header,
          row({ resource: 'i-'.padEnd(1_000_000, 'x') }),
          row({ service: 'EC2\u0000' }),
          row({ service: 'é'.repeat(300) }),
          row({ tags: '"{""team"": ""\\ud800""}"' }),
          row({ tags: '"{""te\\u0000am"": ""data""}"' }),
          row({ resource: 'é'.repeat(500) }),
        ),
      ),
    );

    expect(errors.map(({ line, reason }) => ({ line, reason }))).toEqual([
      { line: 2, reason: 'ResourceId is longer than 1280 bytes' },
      { line: 3, reason: 'ServiceName contains a NUL character' },
      { line: 4, reason: 'ServiceName is longer than 512 bytes' },
      { line: 5, reason: "Tags: the value of 'team' contains a lone UTF-16 surrogate, which is not Unicode text" },
      { line: 6, reason: "Tags: the key 'te\\0am' contains a NUL character" },
    ]);
    expect(rows.map((row) => row.provider_resource_id)).toEqual(['é'.repeat(500)]);
  });

  it('counts lines the same with CRLF line ends, blank lines and line breaks inside quotes', async () => {
    const text = [header, '', good('i-1'), '"1","1","1","USD","2026-10-01","2026-10-02","multi\r\nline\r\nservice","Compute","Usage","","i-2","123",""', '', 'x,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,,i-3,123,', ''].join('\r\n');
    const { rows, errors } = await collect(readFocusCsv(Readable.from([text])));

    expect(rows.map((row) => [row.provider_resource_id, row.service_name])).toEqual([
      ['i-1', 'EC2'],
      ['i-2', 'multi\r\nline\r\nservice'],
    ]);
    expect(rows[1]).not.toHaveProperty('region_id');
    expect(errors).toMatchObject([{ line: 8, reason: "BilledCost: 'x' is not a number" }]);
  });

  it('gives the same result whatever the chunking, a multi-byte character or a BOM split across chunks', async () => {
    const text = `\ufeff${header}\n${good('i-1')}\n"1.25",1,1,USD,2026-10-01,2026-10-02,"Tōkyō ""edge"", east",Compute,Usage,ap-northeast-1,"i-2\n\nend",123,"{""owner"":""Zoë""}"\nbad,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,,i-3,123,\n${good('i-4')}`;
    const bytes = Buffer.from(text);
    const whole = await collect(readFocusCsv(Readable.from([bytes])));

    expect(whole.rows.map((row) => row.provider_resource_id)).toEqual(['i-1', 'i-2\n\nend', 'i-4']);
    expect(whole.rows[1]).toMatchObject({ service_name: 'Tōkyō "edge", east', billed_cost: '1.25', tags: { owner: 'Zoë' } });
    expect(whole.errors).toMatchObject([{ line: 6, reason: "BilledCost: 'bad' is not a number" }]);
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(await collect(readFocusCsv(Readable.from(chunks)))).toEqual(whole);
    }
    // Text given as strings keeps its BOM until the reader drops it.
    expect(await collect(readFocusCsv(Readable.from([text.slice(0, 5), text.slice(5)])))).toEqual(whole);
  });

  it('refuses a file without the required columns before yielding anything', async () => {
    const batches = readFocusCsv(csv('Cost,Currency,ChargePeriodStart', '1,USD,2026-10-01'));
    await expect(batches.next()).rejects.toThrow(
      new FocusFileError(
        'not a FOCUS file: missing required columns BilledCost, BillingCurrency, ChargePeriodEnd, ServiceName, ServiceCategory, ChargeCategory',
      ),
    );
    await expect(collect(readFocusCsv(csv(header.replace('ServiceName', 'Service'), good('i-1'))))).rejects.toThrow(/missing required column ServiceName$/);
    await expect(collect(readFocusCsv(csv(`${header},billedcost`, good('i-1'))))).rejects.toThrow('the header has the column billedcost twice');
    await expect(collect(readFocusCsv(csv('', '')))).rejects.toThrow('the file is empty');
  });

  it('matches column names whatever their case and ignores extra columns', async () => {
    const { rows } = await collect(
      readFocusCsv(
        csv(
          'x_Provider,billedcost,BILLINGCURRENCY,chargeperiodstart,ChargePeriodEnd,servicename,ServiceCategory,chargecategory,x_Discounts',
          'aws,0.10,USD,2026-11-01,2026-12-01,S3,Storage,Usage,"{""a"":1}"',
        ),
      ),
    );
    expect(rows).toEqual([
      {
        charge_period_start: '2026-11-01T00:00:00.000Z',
        charge_period_end: '2026-12-01T00:00:00.000Z',
        billed_cost: '0.1',
        effective_cost: '0.1',
        list_cost: '0.1',
        currency: 'USD',
        service_name: 'S3',
        service_category: 'Storage',
        charge_category: 'Usage',
        tags: {},
        granularity: 'monthly',
      },
    ]);
  });

  it('refuses broken CSV as a whole, naming the line', async () => {
    await expect(collect(readFocusCsv(csv(header, good('i-1'), '1,1,1,USD,2026-10-01,2026-10-02,"EC2,Compute')))).rejects.toThrow(
      new FocusFileError('line 3: a quoted field is not closed'),
    );
    await expect(collect(readFocusCsv(csv(header, '"1"x,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,,,,')))).rejects.toThrow(
      new FocusFileError('line 2: unexpected text after the closing quote of a field'),
    );
  });

  it('refuses the rows of another sub-account when told which account is imported', async () => {
    const { rows, errors } = await collect(readFocusCsv(csv(header, good('i-1'), good('i-2').replace(',123,', ',999,')), { subAccountId: '123' }));
    expect(rows.map((row) => row.provider_resource_id)).toEqual(['i-1']);
    expect(errors).toMatchObject([{ line: 3, reason: 'SubAccountId 999 is not the imported account 123' }]);
  });

  it('yields batches of the asked size, with errors bounded the same way, and the summary last', async () => {
    const lines = Array.from({ length: 2_500 }, (_, index) => (index % 5 === 0 ? 'bad,1,1,USD,2026-10-01,2026-10-02,EC2,Compute,Usage,,,,' : good(`i-${index}`)));
    const { batches, rows, summary } = await collect(readFocusCsv(csv(header, ...lines), { batchSize: 400 }));

    expect(batches.map((batch) => [batch.rows.length, batch.errors.length])).toEqual([
      [400, 100],
      [400, 100],
      [400, 100],
      [400, 100],
      [400, 100],
      [0, 0],
    ]);
    expect(rows[400]!.provider_resource_id).toBe('i-501');
    expect(summary).toEqual({ rows: 2_500, valid: 2_000, rejected: 500 });

    const allBad = await collect(readFocusCsv(csv(header, ...lines.filter((line) => line.startsWith('bad'))), { batchSize: 200 }));
    expect(allBad.batches.map((batch) => batch.errors.length)).toEqual([200, 200, 100]);
    expect(allBad.errors.at(-1)).toMatchObject({ line: 501, reason: "BilledCost: 'bad' is not a number" });

    await expect(readFocusCsv(csv(header), { batchSize: 0 }).next()).rejects.toThrow('batchSize must be a positive integer');
  });

  it('stops reading the input when the caller stops early', async () => {
    const input = Readable.from((function* () {
      yield `${header}\n`;
      for (let index = 0; ; index++) yield `${good(`i-${index}`)}\n`;
    })());
    for await (const batch of readFocusCsv(input, { batchSize: 10 })) {
      expect(batch.rows).toHaveLength(10);
      break;
    }
    expect(input.destroyed).toBe(true);
  });
});
