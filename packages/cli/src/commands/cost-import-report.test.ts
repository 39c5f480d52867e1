import { describe, expect, it } from 'vitest';
import { formatImportReport } from './cost-import-report.ts';

const tally = (rows: number, amount: string) => ({ rows, amount });

describe('formatImportReport', () => {
  it('shows kept and refused rows and amounts per provider, sub-account and category, and refusals by reason', () => {
    const lines = formatImportReport({
      by_provider: [
        { key: 'AWS', kept: tally(3, '7.800000000001'), refused: tally(2, '15.000000') },
        { key: 'Oracle', kept: tally(0, '0.000000'), refused: tally(1, '4.250000') },
      ],
      by_sub_account: [{ key: '123456789012', kept: tally(3, '7.800000000001'), refused: tally(3, '19.250000') }],
      by_charge_category: [{ key: 'Credit', kept: tally(1, '-2.500000'), refused: tally(0, '0.000000') }],
      refused: [{ reason: 'SubAccountId <n> is not the imported account <n>', rows: 2, amount: '15.000000', first_lines: [5, 6] }],
    });
    expect(lines).toEqual([
      '',
      'provider  rows kept     amount kept  rows refused  amount refused',
      'AWS               3  7.800000000001             2       15.000000',
      'Oracle            0        0.000000             1        4.250000',
      '',
      'sub-account   rows kept     amount kept  rows refused  amount refused',
      '123456789012          3  7.800000000001             3       19.250000',
      '',
      'charge category  rows kept  amount kept  rows refused  amount refused',
      'Credit                   1    -2.500000             0        0.000000',
      '',
      'refused because                                   rows     amount  first lines',
      'SubAccountId <n> is not the imported account <n>     2  15.000000          5 6',
    ]);
  });
});
