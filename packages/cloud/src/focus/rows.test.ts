import { describe, expect, it } from 'vitest';
import { FocusRowReader } from './rows.ts';

const reader = new FocusRowReader(['BilledCost', 'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd', 'ServiceName', 'ServiceCategory', 'ChargeCategory']);
const period = (start: string, end: string) => reader.read(['1', 'USD', start, end, 'EC2', 'Compute', 'Usage']);

describe('FocusRowReader', () => {
  it.each([
    ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', 'hourly'],
    ['2026-11-01T05:00:00+05:00', '2026-11-01T01:00:00Z', 'hourly'],
    ['2026-11-01', '2026-11-02', 'daily'],
    ['2026-11-01T07:00:00Z', '2026-11-02T07:00:00Z', 'daily'],
    ['2026-11-01', '2026-12-01', 'monthly'],
    ['2026-02-01', '2026-03-01', 'monthly'],
    ['2028-02-01', '2028-03-01', 'monthly'],
    ['2026-12-01', '2027-01-01', 'monthly'],
  ])('a period from %s to %s is %s', (start, end, granularity) => expect(period(start, end)).toMatchObject({ granularity }));

  it.each([
    ['2026-11-01T05:00:00Z', '2026-11-01T05:30:00Z'],
    ['2026-11-01', '2026-11-03'],
    ['2026-11-15', '2026-12-15'],
    ['2026-11-01T01:00:00Z', '2026-12-01T01:00:00Z'],
    ['2026-11-01', '2027-01-01'],
    ['2026-11-01', '2026-11-01'],
  ])('refuses a period from %s to %s', (start, end) => expect(period(start, end)).toMatch(/is not an hour, a day or a calendar month$/));

  it('lists the header positions it reads, so a columnar file reads only those', () => {
    const wide = new FocusRowReader(['x_A', 'Tags', 'BilledCost', 'BillingCurrency', 'x_B', 'ChargePeriodStart', 'ChargePeriodEnd', 'ServiceName', 'ServiceCategory', 'ChargeCategory']);
    expect([...wide.positions].sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 6, 7, 8, 9]);
  });
});

const FULL = ['BilledCost', 'EffectiveCost', 'ListCost', 'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd', 'ServiceName', 'ServiceCategory', 'ChargeCategory', 'RegionId', 'ResourceId', 'SubAccountId', 'Tags'];
const full = new FocusRowReader(FULL);
/** A valid row of every column, with the cells given replaced. */
function row(cells: Partial<Record<(typeof FULL)[number], string>>) {
  const base: Record<string, string> = {
    BilledCost: '1.5', EffectiveCost: '1.25', ListCost: '2', BillingCurrency: 'USD', ChargePeriodStart: '2026-11-01T00:00:00Z',
    ChargePeriodEnd: '2026-11-02T00:00:00Z', ServiceName: 'EC2', ServiceCategory: 'Compute', ChargeCategory: 'Usage',
    RegionId: 'us-east-1', ResourceId: 'i-1', SubAccountId: '111', Tags: '{"team":"core"}',
  };
  return full.read(FULL.map((column) => cells[column] ?? base[column]));
}

describe('FocusRowReader: null spellings', () => {
  it.each(['NULL', 'null', ' Null ', '', '  ', '\\N', 'None', 'n/a', '<null>'])('%j is null in every nullable column, Tags included', (nil) => {
    const read = row({ EffectiveCost: nil, ListCost: nil, RegionId: nil, ResourceId: nil, SubAccountId: nil, Tags: nil });
    expect(read).toEqual({
      charge_period_start: '2026-11-01T00:00:00.000Z', charge_period_end: '2026-11-02T00:00:00.000Z', billed_cost: '1.5',
      effective_cost: '1.5', list_cost: '1.5', currency: 'USD', service_name: 'EC2', service_category: 'Compute',
      charge_category: 'Usage', tags: {}, granularity: 'daily',
    });
  });

  it.each([
    ['BilledCost', 'BilledCost is empty or null'],
    ['BillingCurrency', 'BillingCurrency is empty or null'],
    ['ChargePeriodStart', 'ChargePeriodStart is empty or null'],
    ['ServiceName', 'ServiceName is empty or null'],
    ['ChargeCategory', 'ChargeCategory is empty or null'],
  ])('a NULL in the mandatory %s refuses the row', (column, reason) => expect(row({ [column]: 'NULL' })).toBe(reason));

  it('keeps texts that only contain a null spelling', () => {
    expect(row({ RegionId: 'nullregion', Tags: '{"owner":"NULL"}' })).toMatchObject({ region_id: 'nullregion', tags: { owner: 'NULL' } });
  });

  it.each([
    ['2024-09-18 22:00:00', '2024-09-18T22:00:00.000Z'],
    ['2024-09-18T22:00:00', '2024-09-18T22:00:00.000Z'],
    ['2024-09-18 22:00:00.000', '2024-09-18T22:00:00.000Z'],
    ['2024-09-18T23:00:00+01:00', '2024-09-18T22:00:00.000Z'],
  ])('a timestamp without a zone is UTC: %j', (start, iso) => {
    expect(row({ ChargePeriodStart: start, ChargePeriodEnd: '2024-09-18T23:00:00Z' })).toMatchObject({ charge_period_start: iso, granularity: 'hourly' });
  });
});

describe('FocusRowReader: values the cost store cannot hold', () => {
  it.each([
    [{ BilledCost: '1e300' }, "BilledCost: '1e300' is out of range: an amount has at most 14 digits before the point"],
    [{ EffectiveCost: '-123456789012345' }, "EffectiveCost: '-123456789012345' is out of range: an amount has at most 14 digits before the point"],
    [{ ListCost: '1e14' }, "ListCost: '1e14' is out of range: an amount has at most 14 digits before the point"],
    // Rounding at the 24th decimal carries into a 15th digit.
    [{ BilledCost: '99999999999999.9999999999999999999999999' }, "BilledCost: '99999999999999.9999999999999999999999999' is out of range: an amount has at most 14 digits before the point"],
    [{ ServiceName: 'EC\u00002' }, 'ServiceName contains a NUL character'],
    [{ ServiceCategory: 'Comp\ud800ute' }, 'ServiceCategory contains a lone UTF-16 surrogate, which is not Unicode text'],
    [{ RegionId: 'us\u0000' }, 'RegionId contains a NUL character'],
    [{ ResourceId: 'r'.repeat(1_281) }, 'ResourceId is longer than 1280 bytes'],
    [{ SubAccountId: '\udc00' }, 'SubAccountId contains a lone UTF-16 surrogate, which is not Unicode text'],
    [{ ServiceName: 'é'.repeat(257) }, 'ServiceName is longer than 512 bytes'],
    [{ Tags: '{"team":"a\\u0000b"}' }, "Tags: the value of 'team' contains a NUL character"],
    [{ Tags: '{"te\\u0000am":"a"}' }, "Tags: the key 'te\\0am' contains a NUL character"],
    [{ Tags: '{"team":"\\ud800"}' }, "Tags: the value of 'team' contains a lone UTF-16 surrogate, which is not Unicode text"],
    [{ Tags: `{"team":"${'v'.repeat(769)}"}` }, "Tags: the value of 'team' is longer than 768 bytes"],
    [{ Tags: `{"a":"${'v'.repeat(70_000)}"}` }, 'Tags is longer than 65536 characters'],
  ])('refuses %j', (cells, reason) => expect(row(cells)).toBe(reason));

  it('keeps the largest amount the store holds and every decimal up to the 24th', () => {
    expect(row({ BilledCost: '-99999999999999.123456789012345678901234', EffectiveCost: '0.000000000012345678901234' })).toMatchObject({
      billed_cost: '-99999999999999.123456789012345678901234',
      effective_cost: '0.000000000012345678901234',
    });
  });

  it.each([
    ['1.2345678901234567e-10', '0.000000000123456789012346'],
    ['-0.0000000000000000000000015', '-0.000000000000000000000002'],
    ['0.0000000000000000000000004', '0'],
    ['9.9999999999999999999999995', '10'],
  ])('rounds %s half away from zero at the 24th decimal, as the column does: %s', (text, stored) => {
    expect(row({ BilledCost: text })).toMatchObject({ billed_cost: stored });
  });

  it('names a NUL in a reason without carrying it, so the reason can be stored', () => {
    expect(row({ BilledCost: '1\u00002' })).toBe("BilledCost: '1\\02' is not a number");
  });
});

describe('FocusRowReader: the retention horizon', () => {
  it('refuses rows charged before it, naming it, and keeps the others', () => {
    const text = 'the raw retention horizon 2026-01-01T00:00:00.000Z (COST_RAW_RETENTION_MONTHS=13; raise it to import older costs)';
    const bounded = new FocusRowReader(['BilledCost', 'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd', 'ServiceName', 'ServiceCategory', 'ChargeCategory'], {
      notBefore: { cutoff: new Date('2026-01-01T00:00:00Z'), text },
    });
    const at = (start: string, end: string) => bounded.read(['1', 'USD', start, end, 'EC2', 'Compute', 'Usage']);
    expect(at('2025-12-31 23:00:00', '2026-01-01 00:00:00')).toBe(`ChargePeriodStart 2025-12-31T23:00:00.000Z is before ${text}`);
    expect(at('2026-01-01', '2026-01-02')).toMatchObject({ granularity: 'daily' });
  });
});

describe('FocusRowReader: providers', () => {
  const columns = ['BilledCost', 'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd', 'ServiceName', 'ServiceCategory', 'ChargeCategory', 'ProviderName', 'ServiceProviderName', 'SubAccountId'];
  const aws = new FocusRowReader(columns, { provider: 'AWS' });
  const read = (provider: string, serviceProvider = '', cost = '2.5') => aws.read([cost, 'USD', '2026-11-01', '2026-11-02', 'EC2', 'Compute', 'Credit', provider, serviceProvider, '111']);

  it.each(['AWS', 'Amazon Web Services', 'NULL', ''])('keeps a row of %j for an AWS account', (provider) => expect(read(provider)).toMatchObject({ billed_cost: '2.5' }));

  it('reads FOCUS 1.3 ServiceProviderName before the deprecated ProviderName', () => {
    expect(read('AWS', 'Oracle')).toBe("ProviderName 'Oracle' is not AWS, the imported account's provider");
  });

  it.each([
    ['Microsoft', "ProviderName 'Microsoft' (AZURE) is not AWS, the imported account's provider"],
    ['Oracle', "ProviderName 'Oracle' is not AWS, the imported account's provider"],
  ])('refuses a row of %j for an AWS account', (provider, reason) => expect(read(provider)).toBe(reason));

  it('tells what it can read of a refused row, for the report', () => {
    expect(aws.facts(['x', 'USD', '2026-11-01', '2026-11-02', 'EC2', 'Compute', 'credit', 'Microsoft', '', '222'])).toEqual({
      provider: 'AZURE',
      sub_account_id: '222',
      charge_category: 'Credit',
    });
    expect(aws.facts(['-1.50', 'USD', '', '', '', '', 'nonsense', 'NULL', 'Oracle', 'NULL'])).toEqual({ provider: 'Oracle', billed_cost: '-1.5' });
  });
});
