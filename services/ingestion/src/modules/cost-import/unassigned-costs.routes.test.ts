/**
 * Unassigned cost: an organisation that keeps the rows of sub-accounts nobody linked, rather than
 * linking them or refusing them, finds them reported on the import and queryable to the last
 * decimal; importing again replaces them, and linking the sub-account moves its days to the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromUnits } from '@stratus/db';
import { consolidatedExport, sumsBy } from '../../../../../test/e2e/consolidated-export.ts';
import { startIngestionApp, type IngestionApp } from '../../../test/ingestion-app.ts';

let ingestion: IngestionApp;
const LINKED = '123456789012';
const start = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
const { csv, rows } = consolidatedExport(start, 3, LINKED);
const unlinked = rows.filter((row) => row.subAccount === '222233334444' || row.provider === 'Microsoft');

function upload(body: string, query = '') {
  return ingestion.call('POST', `/v1/cost-imports/file?file_name=consolidated.csv${query}`, { body, headers: { 'content-type': 'text/csv' } });
}

type Group = { provider?: string; sub_account_id?: string; sub_account_name?: string | null; charge_date?: string; currency: string; rows: number; billed_cost: string };

async function unassigned(query = ''): Promise<{ groups: Group[]; totals: Group[] }> {
  const { status, body } = await ingestion.call('GET', `/v1/unassigned-costs${query}`);
  expect(status).toBe(200);
  return body;
}

const fileSums = (selected: typeof rows) => [...sumsBy(selected, (row) => row.subAccount)].map(([subAccount, units]) => [subAccount, fromUnits(units)]);

beforeAll(async () => {
  ingestion = await startIngestionApp();
  const linked = await ingestion.call('POST', '/v1/cloud-accounts', { body: { provider: 'AWS', account_id: LINKED, name: 'Production', settings: { sim: { resources: 5 } } } });
  expect(linked.status).toBe(201);
});

afterAll(async () => {
  await ingestion?.close();
});

describe('the organisation’s setting for sub-accounts nobody linked', () => {
  it('links them as billing-only accounts until the organisation says otherwise', async () => {
    expect((await ingestion.call('GET', '/v1/cost-import-settings')).body).toEqual({ unlinked_sub_accounts: 'link', updated_at: null });
  });

  it('refuses an unknown setting, naming the field', async () => {
    const { status, body } = await ingestion.call('PUT', '/v1/cost-import-settings', { body: { unlinked_sub_accounts: 'drop' } });
    expect(status).toBe(400);
    expect(body.message).toContain('body.unlinked_sub_accounts');
  });

  it('keeps them as unassigned cost once set so', async () => {
    const { status, body } = await ingestion.call('PUT', '/v1/cost-import-settings', { body: { unlinked_sub_accounts: 'unassigned' } });
    expect(status).toBe(200);
    expect(body.unlinked_sub_accounts).toBe('unassigned');
    expect(body.updated_at).not.toBeNull();
  });
});

describe('unassigned cost', () => {
  let billingImportId: string;

  it('is kept, not linked nor refused, and reported per sub-account with the file’s exact sums', async () => {
    const { status, body } = await upload(csv);
    expect(status).toBe(202);
    expect(body).toMatchObject({ status: 'routed', unlinked_sub_accounts: 'unassigned', rows_routed: 9, rows_unassigned: unlinked.length, rows_rejected: 9, linked_accounts: [] });
    expect(body.imports).toHaveLength(1);
    expect(body.unassigned.map((entry: Group) => [entry.sub_account_id, entry.billed_cost])).toEqual(fileSums(unlinked));
    expect(body.unassigned.map((entry: Group) => [entry.provider, entry.sub_account_name, entry.rows])).toEqual([
      ['AWS', 'AWS 222233334444', 9],
      ['AZURE', 'Microsoft 5f1c7b9e-azure-sub', 9],
    ]);
    // No account was made for them.
    expect((await ingestion.call('GET', '/v1/cloud-accounts')).body.items).toHaveLength(1);
    billingImportId = body.id;

    const stored = await ingestion.call('GET', `/v1/billing-imports/${billingImportId}`);
    expect(stored.body).toMatchObject({ rows_unassigned: unlinked.length, unassigned: body.unassigned });
  });

  it('is queryable by sub-account, by day and by provider, to the last decimal', async () => {
    const bySubAccount = await unassigned();
    expect(bySubAccount.groups.map((group) => [group.sub_account_id, group.billed_cost]).sort()).toEqual(fileSums(unlinked).sort());
    expect(bySubAccount.totals).toEqual([expect.objectContaining({ currency: 'USD', rows: unlinked.length, billed_cost: fromUnits([...sumsBy(unlinked, () => 'all').values()][0]!) })]);

    const byDay = await unassigned('?group_by=day');
    expect(byDay.groups.map((group) => group.charge_date).sort()).toHaveLength(3);
    expect(byDay.groups[0]!.charge_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const azure = await unassigned('?provider=AZURE&group_by=provider');
    expect(azure.groups).toEqual([expect.objectContaining({ provider: 'AZURE', rows: 9 })]);
    const firstDay = await unassigned(`?from=${start}&to=${start}`);
    expect(firstDay.totals[0]!.rows).toBe(unlinked.length / 3);
  });

  it('refuses a period that ends before it starts, naming the field', async () => {
    const { status, body } = await ingestion.call('GET', `/v1/unassigned-costs?from=${start}&to=2000-01-01`);
    expect(status).toBe(400);
    expect(body.message).toContain('to');
  });

  it('is replaced, not doubled, when the same file is imported again', async () => {
    const before = await unassigned();
    const { body } = await upload(csv);
    expect(body.rows_unassigned).toBe(unlinked.length);
    expect(await unassigned()).toEqual(before);
  });

  it('moves to the account once the sub-account is linked and its days imported again', async () => {
    const linked = await ingestion.call('POST', '/v1/cloud-accounts', { body: { provider: 'AWS', account_id: '222233334444', name: 'Data platform' } });
    expect(linked.status).toBe(201);
    const { body } = await upload(csv);
    expect(body).toMatchObject({ rows_routed: 18, rows_unassigned: 9 });
    const left = await unassigned();
    expect(left.groups.map((group) => group.sub_account_id)).toEqual(['5f1c7b9e-azure-sub']);
  });

  it('follows the import’s own parameter over the organisation’s setting', async () => {
    const { body } = await upload(csv, '&unlinked_sub_accounts=refuse');
    expect(body).toMatchObject({ unlinked_sub_accounts: 'refuse', rows_unassigned: 0, rows_rejected: 18 });
    // What an earlier import kept stays until an import keeps or routes those days again.
    expect((await unassigned()).groups.map((group) => group.sub_account_id)).toEqual(['5f1c7b9e-azure-sub']);
  });
});
