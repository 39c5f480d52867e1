import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export interface SampleFocusOptions {
  rows: number;
  /** 'YYYY-MM': the month the daily lines fall in (30 days of it). */
  month: string;
  /** Distinct resources, one line per resource and day (20,000 by default). */
  resources?: number;
}

/** FOCUS 1.0 columns as an AWS export names them. */
const COLUMNS = [
  'AvailabilityZone', 'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd',
  'BillingPeriodStart', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd',
  'ChargePeriodStart', 'CommitmentDiscountCategory', 'CommitmentDiscountId', 'CommitmentDiscountName',
  'CommitmentDiscountStatus', 'CommitmentDiscountType', 'ConsumedQuantity', 'ConsumedUnit', 'ContractedCost',
  'ContractedUnitPrice', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'ListUnitPrice', 'PricingCategory',
  'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'RegionId', 'RegionName', 'ResourceId',
  'ResourceName', 'ResourceType', 'ServiceCategory', 'ServiceName', 'SkuId', 'SkuPriceId', 'SubAccountId',
  'SubAccountName', 'Tags', 'x_CostCategories', 'x_Discounts', 'x_Operation', 'x_ServiceCode', 'x_UsageType',
];

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const SERVICES = [
  ['Amazon Elastic Compute Cloud', 'Compute', 'AmazonEC2'],
  ['Amazon Relational Database Service', 'Databases', 'AmazonRDS'],
  ['Amazon Simple Storage Service', 'Storage', 'AmazonS3'],
  ['Elastic Load Balancing', 'Networking', 'AWSELB'],
];

/**
 * Writes an AWS-style FOCUS 1.0 CSV export (48 columns, ~1 KB a line): daily lines of `resources`
 * resources over 30 days of a month, spread over regions and services, with team, env and
 * cost-center tags. Used by the benchmarks, which need a realistic file of a million lines.
 */
export async function writeSampleFocusCsv(path: string, options: SampleFocusOptions): Promise<void> {
  const resources = options.resources ?? 20_000;
  const [year, month] = options.month.split('-').map(Number) as [number, number];
  const iso = (day: number) => new Date(Date.UTC(year, month - 1, day)).toISOString().replace('.000Z', 'Z');
  const line = (index: number): string => {
    const resource = index % resources;
    const day = 1 + (Math.floor(index / resources) % 30);
    const [service, category, code] = SERVICES[resource % SERVICES.length]!;
    const region = REGIONS[resource % REGIONS.length]!;
    const hours = 24;
    const price = (0.0416 + (resource % 7) * 0.0104).toFixed(4);
    const cost = (Number(price) * hours).toFixed(10);
    const arn = `arn:aws:ec2:${region}:123456789012:instance/i-${resource.toString(16).padStart(17, '0')}`;
    const tags = `"{""user:team"":""team-${resource % 40}"",""user:env"":""${['prod', 'staging', 'dev'][resource % 3]}"",""user:cost-center"":""cc-${resource % 20}""}"`;
    return [
      `${region}a`, cost, '111122223333', 'Example Corp', 'USD', iso(31), iso(1), 'Usage', '',
      `"$${price} per On Demand Linux m5.large Instance Hour"`, 'Usage-Based', iso(day + 1), iso(day), '', '', '', '', '',
      hours, 'Hours', cost, price, cost, '"Amazon Web Services, Inc."', cost, price, 'Standard', hours, 'Hours', 'AWS',
      'Amazon Web Services', region, region, arn, `web-${resource}`, 'Instance', category, service, 'ABCD1234EFGH',
      'ABCD1234EFGH.JRTCKXETXF', '123456789012', 'production', tags, '"{""cost-center"":""cc-1""}"', '', 'RunInstances',
      code, 'BoxUsage:m5.large',
    ].join(',');
  };
  const out = createWriteStream(path);
  let chunk = `${COLUMNS.join(',')}\n`;
  for (let index = 0; index < options.rows; index++) {
    chunk += `${line(index)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
