/**
 * Gives a newcomer something to look at: on a system with no linked accounts, links one simulated
 * account per provider and asks for a sync of each. Run by launch.ts once every service is ready,
 * through the public API with the demo organisation's token, as a user would.
 */
import { readFileSync } from 'node:fs';

const DEMO_ACCOUNTS = [
  { provider: 'AWS', account_id: '123456789012', name: 'Demo AWS (simulated)' },
  { provider: 'AZURE', account_id: '0f8fad5b-d9cb-469f-a165-70867728950e', name: 'Demo Azure (simulated)' },
  { provider: 'GCP', account_id: 'stratus-demo-4821', name: 'Demo GCP (simulated)' },
] as const;

export async function seedDemo(ingestionUrl: string, tokenFile: string, fleetSize: number): Promise<string> {
  const token = readFileSync(tokenFile, 'utf8').trim();
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${ingestionUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<{ id: string; items?: unknown[] }>;
  };
  const existing = await call('GET', '/v1/cloud-accounts?limit=1');
  if ((existing.items ?? []).length > 0) return 'linked accounts found; no demo accounts added';
  // Last month and this month so far: enough for month-over-month deltas and a forecast.
  const today = new Date();
  const period = {
    start: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1)).toISOString().slice(0, 10),
    end: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1)).toISOString().slice(0, 10),
  };
  for (const account of DEMO_ACCOUNTS) {
    const linked = await call('POST', '/v1/cloud-accounts', { ...account, adapter: 'sim', settings: { sim: { resources: fleetSize } } });
    await call('POST', `/v1/cloud-accounts/${linked.id}/sync`);
    await call('POST', `/v1/cloud-accounts/${linked.id}/cost-imports`, period);
  }
  return `linked ${DEMO_ACCOUNTS.length} simulated accounts (${fleetSize} resources each), queued their first sync and their costs since ${period.start}`;
}
