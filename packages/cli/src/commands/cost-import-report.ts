import type { ImportBreakdown, ImportBreakdownEntry } from '@stratus/db';

/** Sub-accounts shown in the table; --json has them all. */
const SHOWN_SUB_ACCOUNTS = 25;

/** Columns padded to their widest cell; amounts (every column after the first) aligned right. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function section(title: string, entries: readonly ImportBreakdownEntry[]): string[] {
  return [
    '',
    ...table(
      [title, 'rows kept', 'amount kept', 'rows refused', 'amount refused'],
      entries.map((entry) => [entry.key, String(entry.kept.rows), entry.kept.amount, String(entry.refused.rows), entry.refused.amount]),
    ),
  ];
}

/**
 * The import report as text: totals per provider, sub-account and charge category (BilledCost,
 * exactly as the file sums it), then the refused rows grouped by reason with their first lines.
 */
export function formatImportReport(breakdown: ImportBreakdown): string[] {
  const lines = [
    ...section('provider', breakdown.by_provider),
    ...section('sub-account', breakdown.by_sub_account.slice(0, SHOWN_SUB_ACCOUNTS)),
  ];
  if (breakdown.by_sub_account.length > SHOWN_SUB_ACCOUNTS) lines.push(`  ... ${breakdown.by_sub_account.length - SHOWN_SUB_ACCOUNTS} more sub-accounts (--json shows them all)`);
  lines.push(...section('charge category', breakdown.by_charge_category));
  if (breakdown.refused.length > 0) {
    lines.push('', ...table(['refused because', 'rows', 'amount', 'first lines'], breakdown.refused.map((group) => [group.reason, String(group.rows), group.amount, group.first_lines.join(' ')])));
  }
  return lines;
}
