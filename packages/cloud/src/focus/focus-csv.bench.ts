/**
 * readFocusCsv throughput on a generated AWS-style FOCUS 1.0 export (48 columns, ~1 KB a row,
 * 20,000 resources with their own tags, daily rows), beside two baselines on the same file: reading
 * its bytes, and csv-parse alone. Rows default to 1,000,000 (FOCUS_BENCH_ROWS). The file is
 * written to the temp directory and removed at the end.
 *   node packages/cloud/src/focus/focus-csv.bench.ts
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { readFocusCsv } from './csv.ts';

const ROWS = Number(process.env.FOCUS_BENCH_ROWS ?? 1_000_000);
const RESOURCES = 20_000;

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

function row(index: number): string {
  const resource = index % RESOURCES;
  const day = 1 + (Math.floor(index / RESOURCES) % 30);
  const date = (d: number) => `2026-${d > 30 ? '12-01' : `11-${String(d).padStart(2, '0')}`}T00:00:00Z`;
  const hours = 24;
  const price = (0.0416 + (resource % 7) * 0.0104).toFixed(4);
  const cost = (Number(price) * hours).toFixed(10);
  const arn = `arn:aws:ec2:us-east-1:123456789012:instance/i-${resource.toString(16).padStart(17, '0')}`;
  const tags = `"{""user:team"":""team-${resource % 40}"",""user:env"":""${resource % 3 ? 'prod' : 'dev'}"",""user:app"":""app-${resource}""}"`;
  return [
    'us-east-1a', cost, '111122223333', 'Example Corp', 'USD', date(31), date(1), 'Usage', '',
    `"$${price} per On Demand Linux m5.large Instance Hour"`, 'Usage-Based', date(day + 1), date(day), '', '', '', '', '',
    hours, 'Hours', cost, price, cost, '"Amazon Web Services, Inc."', cost, price, 'Standard', hours, 'Hours', 'AWS',
    'Amazon Web Services', 'us-east-1', 'US East (N. Virginia)', arn, `web-${resource}`, 'Instance', 'Compute',
    'Amazon Elastic Compute Cloud', 'ABCD1234EFGH', 'ABCD1234EFGH.JRTCKXETXF', '123456789012', 'production', tags,
    '"{""cost-center"":""cc-1""}"', '', 'RunInstances', 'AmazonEC2', 'BoxUsage:m5.large',
  ].join(',');
}

async function generate(path: string): Promise<void> {
  const out = createWriteStream(path);
  let chunk = `${COLUMNS.join(',')}\n`;
  for (let index = 0; index < ROWS; index++) {
    chunk += `${row(index)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function measure(label: string, run: () => Promise<number>): Promise<void> {
  global.gc?.();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const rows = await run();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const mb = (await stat(file)).size / 2 ** 20;
  console.log(
    `${label.padEnd(22)} ${String(Math.round(rows / seconds)).padStart(9)} rows/s ${(mb / seconds).toFixed(0).padStart(5)} MB/s  ${seconds.toFixed(2)} s  peak RSS ${Math.round(peak / 2 ** 20)} MB`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'stratus-focus-bench-'));
const file = join(dir, 'focus.csv');
try {
  await generate(file);
  console.log(`${ROWS} rows, ${((await stat(file)).size / 2 ** 20).toFixed(0)} MB`);
  await measure('read bytes', async () => {
    for await (const _ of createReadStream(file));
    return ROWS;
  });
  await measure('csv-parse alone', async () => {
    let records = 0;
    for await (const _ of createReadStream(file).pipe(parse({ bom: true }))) records += 1;
    return records - 1;
  });
  await measure('readFocusCsv', async () => {
    let rows = 0;
    for await (const batch of readFocusCsv(createReadStream(file))) {
      if (batch.errors.length > 0) throw new Error(`unexpected: ${JSON.stringify(batch.errors[0])}`);
      rows += batch.rows.length;
    }
    return rows;
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
