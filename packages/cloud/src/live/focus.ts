import type { CostPeriod } from '../adapter.ts';

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) an instant falls in. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function dayStart(day: string): string {
  return new Date(`${day}T00:00:00.000Z`).toISOString();
}

export function nextDayStart(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString();
}

/**
 * The whole UTC days covering a period, as [first day, day after the last): cost APIs answer by
 * day, so a period that starts or ends inside a day gets that whole day.
 */
export function coveringDays(period: CostPeriod): { from: string; to: string } {
  const from = utcDay(period.start);
  const lastInstant = new Date(period.end.getTime() - 1);
  return { from, to: utcDay(new Date(Date.parse(`${utcDay(lastInstant)}T00:00:00.000Z`) + DAY_MS)) };
}

/** Splits [from, to) (YYYY-MM-DD) into windows of at most `maxDays` days. */
export function dayWindows(from: string, to: string, maxDays: number): { from: string; to: string }[] {
  const windows: { from: string; to: string }[] = [];
  const end = Date.parse(`${to}T00:00:00.000Z`);
  for (let start = Date.parse(`${from}T00:00:00.000Z`); start < end; start += maxDays * DAY_MS) {
    windows.push({ from: utcDay(new Date(start)), to: utcDay(new Date(Math.min(start + maxDays * DAY_MS, end))) });
  }
  return windows;
}

/**
 * Days a closed billing month's charges may still change: Azure finalises a billing period "up to
 * the fifth day after a billing period ends" (Cost Management and Billing FAQ). Google states no
 * close day for an invoice month, and the same margin is taken for it.
 */
export const BILLING_MONTH_CLOSE_DAYS = 5;

/**
 * Whether the charges of a calendar billing month (YYYY-MM) are still estimates at `now`: until the
 * month has ended and BILLING_MONTH_CLOSE_DAYS whole days have passed after it, in UTC.
 */
export function billingMonthOpen(month: string, now: Date): boolean {
  return billingPeriodOpen(`${month}-01`, now, 1);
}

/**
 * billingMonthOpen for the billing period that holds a day (YYYY-MM-DD), where periods start on
 * day `startDay` (1 to 28) of each month: a pay-as-you-go subscription's runs from its sign-up day
 * to the day before it, a month later.
 */
export function billingPeriodOpen(day: string, now: Date, startDay: number): boolean {
  const [year, month, dayOfMonth] = day.split('-').map(Number) as [number, number, number];
  // Date.UTC counts months from 0: `month` is the next month's index, `month - 1` this one's.
  const end = dayOfMonth >= startDay ? Date.UTC(year, month, startDay) : Date.UTC(year, month - 1, startDay);
  return now.getTime() < end + BILLING_MONTH_CLOSE_DAYS * 86_400_000;
}

/**
 * A JSON amount as a decimal string. Providers send binary noise (0.61440000000000005 for 0.6144),
 * so amounts are rounded to 12 decimal places, far below any billing precision, and written
 * without exponent (1.2e-7 is not a decimal string).
 */
export function decimalString(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  const fixed = value.toFixed(12).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}

/** Amounts in units of 10^-12, the precision of decimalString, so that sums of them are exact. */
const PICO = 12;

export function picoUnits(value: number): bigint {
  const [whole = '0', fraction = ''] = decimalString(value).split('.');
  const negative = whole.startsWith('-');
  const units = BigInt(whole.replace('-', '')) * 10n ** BigInt(PICO) + BigInt(fraction.padEnd(PICO, '0'));
  return negative ? -units : units;
}

export function picoDecimal(units: bigint): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(PICO + 1, '0');
  const fraction = digits.slice(-PICO).replace(/0+$/, '');
  const text = `${digits.slice(0, -PICO)}${fraction ? `.${fraction}` : ''}`;
  return negative && text !== '0' ? `-${text}` : text;
}

/**
 * FOCUS ServiceCategory from a provider's service name. The names of the three providers do not
 * collide, so one ordered table serves all (the first match wins: "Elastic Container Registry" is
 * developer tooling before it is containers).
 */
const SERVICE_CATEGORIES: readonly [RegExp, string][] = [
  [/\b(tax|support)\b/i, 'Other'],
  [/\b(container registry|artifact registry|codebuild|codepipeline|codecommit|cloud build|devops)\b/i, 'Developer Tools'],
  [/\b(sagemaker|bedrock|openai|cognitive|machine learning|vertex|rekognition|comprehend|textract|ai services)\b/i, 'AI and Machine Learning'],
  [/\b(rds|relational database|aurora|dynamodb|database|sql|cosmos|redshift|elasticache|redis|documentdb|neptune|spanner|bigtable|firestore|datastore|memorystore)\b/i, 'Databases'],
  [/\b(athena|glue|emr|kinesis|bigquery|dataflow|dataproc|pub\/?sub|synapse|data factory|databricks|event hubs|quicksight|opensearch|looker)\b/i, 'Analytics'],
  [/\b(elastic compute|ec2|compute engine|virtual machines?|lambda|functions|fargate|elastic container|kubernetes|container instances|app service|cloud run|batch|lightsail|beanstalk)\b/i, 'Compute'],
  [/\b(simple storage|s3|storage|elastic block|file system|glacier|backup|filestore|fsx)\b/i, 'Storage'],
  [/\b(virtual private cloud|vpc|cloudfront|route ?53|load balanc|bandwidth|data transfer|network|cdn|dns|nat gateway|ip address|expressroute|vpn|api gateway|front door)/i, 'Networking'],
  [/\b(cloudwatch|cloudtrail|config|monitor|log analytics|logging|systems manager|advisor)\b/i, 'Management and Governance'],
  [/\b(identity|iam|cognito|entra|active directory)\b/i, 'Identity'],
  [/\b(kms|key vault|key management|secrets? manager|guardduty|security|waf|shield|inspector|macie|defender|sentinel|certificate)\b/i, 'Security'],
  [/\b(sns|sqs|simple notification|simple queue|eventbridge|step functions|service bus|logic apps|event grid|cloud tasks|cloud scheduler|workflows)\b/i, 'Integration'],
];

export function serviceCategory(serviceName: string): string {
  return SERVICE_CATEGORIES.find(([pattern]) => pattern.test(serviceName))?.[1] ?? 'Other';
}
