/**
 * The simulated cloud gives every rule something to find: over a fleet of each provider, as its
 * discovery reports it, each rule fires on some resources and only on the kinds it is about.
 */
import { createSimAdapter, type CloudProvider, type DiscoveredResource } from '@stratus/cloud';
import { describe, expect, it } from 'vitest';
import { RESOURCE_RULES } from './index.ts';
import type { RuleResource } from './rule.ts';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const KINDS: Record<string, string[]> = {
  idle_vm: ['vm'],
  rightsize_vm: ['vm'],
  previous_generation: ['vm', 'disk'],
  stopped_vm_storage: ['vm'],
  off_hours: ['vm'],
  unattached_disk: ['disk'],
  old_snapshot: ['snapshot'],
  unused_ip: ['ip_address'],
  idle_load_balancer: ['load_balancer'],
  idle_database: ['database'],
};

async function fleetOf(provider: CloudProvider): Promise<RuleResource[]> {
  const sim = createSimAdapter({ id: `rules-${provider}`, provider, account_id: 'sim', settings: { sim: { seed: 'rules', resources: 1500 } } }, { now: () => NOW });
  const resources: RuleResource[] = [];
  let index = 0;
  for await (const page of sim.discover()) {
    for (const found of page as DiscoveredResource[]) {
      resources.push({ ...found, id: `r-${index++}`, cloud_account_id: 'a', provider, metadata: { ...found.metadata, utilization: found.utilization } });
    }
  }
  return resources;
}

describe('the rules over simulated fleets', () => {
  it('fire, each on its own kinds, and every rule on some resource', async () => {
    const fired = new Map<string, number>();
    for (const provider of ['AWS', 'AZURE', 'GCP'] as const) {
      for (const resource of await fleetOf(provider)) {
        for (const rule of RESOURCE_RULES) {
          const finding = rule.evaluate(resource, { now: NOW, cost: undefined });
          if (!finding) continue;
          expect(KINDS[rule.type], `${rule.type} on a ${resource.type}`).toContain(resource.type);
          expect(finding.savings!.monthly).toBeGreaterThan(0);
          fired.set(rule.type, (fired.get(rule.type) ?? 0) + 1);
        }
      }
    }
    for (const rule of RESOURCE_RULES) expect(fired.get(rule.type) ?? 0, rule.type).toBeGreaterThan(0);
  });
});
