/**
 * A consolidated FOCUS export as a management account writes it, for the reconciliation test:
 * several sub-accounts, AWS, Microsoft and Oracle rows, text NULL in nullable columns, credits and
 * adjustments, timestamps with and without a zone, amounts of up to 13 decimals.
 */
import { toUnits } from '@stratus/db';

export interface ExportRow {
  line: number;
  provider: string;
  subAccount: string;
  service: string;
  category: string;
  billed: string;
}

const HEADER = 'BillingAccountId,ProviderName,SubAccountId,SubAccountName,ServiceName,ServiceCategory,ChargeCategory,BilledCost,EffectiveCost,ListCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,RegionId,ResourceId,Tags';
const SERVICES = ['Amazon EC2', 'Amazon S3', 'AWS Lambda'];
const CATEGORIES = ['Usage', 'Usage', 'Usage', 'Credit', 'Adjustment', 'Tax'];

/** `days` daily rows per sub-account and service from `start` (a UTC day, YYYY-MM-DD). */
export function consolidatedExport(start: string, days: number, linked: string): { csv: string; rows: ExportRow[] } {
  const subAccounts: [string, string][] = [
    ['AWS', linked],
    ['AWS', '222233334444'],
    ['Microsoft', '5f1c7b9e-azure-sub'],
    ['Oracle', 'ocid1.tenancy.oc1..demo'],
  ];
  const lines = [HEADER];
  const rows: ExportRow[] = [];
  let n = 0;
  for (let d = 0; d < days; d += 1) {
    const from = new Date(Date.parse(`${start}T00:00:00Z`) + d * 86_400_000);
    const to = new Date(from.getTime() + 86_400_000);
    for (const [provider, subAccount] of subAccounts) {
      for (const service of SERVICES) {
        n += 1;
        const category = CATEGORIES[n % CATEGORIES.length]!;
        const magnitude = `${n % 40}.${String((n * 7_919_000_017) % 10 ** 13).padStart(13, '0')}`;
        const billed = category === 'Credit' || (category === 'Adjustment' && n % 2 === 0) ? `-${magnitude}` : magnitude;
        // Half the rows say their period without a zone (UTC, as FOCUS means it), half with one.
        const startText = n % 2 === 0 ? from.toISOString().replace('T', ' ').slice(0, 19) : from.toISOString();
        const endText = n % 2 === 0 ? to.toISOString().replace('T', ' ').slice(0, 19) : to.toISOString();
        const nullable = n % 3 === 0;
        lines.push(
          [
            'mgmt-000000000000',
            provider,
            subAccount,
            `${provider} ${subAccount}`,
            service,
            'Compute',
            category,
            billed,
            nullable ? 'NULL' : billed,
            nullable ? 'null' : billed,
            'USD',
            startText,
            endText,
            nullable ? 'NULL' : 'us-east-1',
            nullable ? 'NULL' : `i-${n % 7}`,
            nullable ? 'NULL' : '"{""team"":""core""}"',
          ].join(','),
        );
        rows.push({ line: lines.length, provider, subAccount, service, category, billed });
      }
    }
  }
  return { csv: `${lines.join('\n')}\n`, rows };
}

/** The exact sum of BilledCost over rows, keyed, in 10^-24 units. */
export function sumsBy(rows: readonly ExportRow[], keyOf: (row: ExportRow) => string): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const row of rows) sums.set(keyOf(row), (sums.get(keyOf(row)) ?? 0n) + toUnits(row.billed));
  return sums;
}
