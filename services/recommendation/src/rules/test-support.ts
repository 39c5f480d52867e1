/** Resources for the rules' unit tests, shaped as sim discovery stores them. */
import type { ResourceCost, RuleContext, RuleResource } from './rule.ts';

export const NOW = new Date('2026-06-15T12:00:00.000Z');

const BASE: Record<string, Omit<RuleResource, 'id' | 'cloud_account_id'>> = {
  vm: {
    provider: 'AWS', type: 'vm', name: 'web-1', region: 'us-east-1', state: 'running', tags: { env: 'prod' },
    metadata: { provider_type: 'AWS::EC2::Instance', instance_type: 'm5.xlarge', vcpus: 4, memory_gb: 16, boot_disk_type: 'gp3', boot_disk_gb: 20, list_price_hourly: '0.192', currency: 'USD', created_at: '2025-01-01T00:00:00.000Z', utilization: { window_days: 30, cpu_avg: 30, cpu_p95: 50, memory_avg: 50, network_bytes_per_day: 5e9 } },
  },
  disk: {
    provider: 'AWS', type: 'disk', name: 'data-1', region: 'us-east-1', state: 'available', tags: {},
    metadata: { provider_type: 'AWS::EC2::Volume', volume_type: 'gp3', size_gb: 100, attached_to: null, list_price_gb_month: '0.08', currency: 'USD', created_at: '2025-01-01T00:00:00.000Z', utilization: { window_days: 30, storage_used_pct: 40, idle_days: 40 } },
  },
  snapshot: {
    provider: 'AWS', type: 'snapshot', name: 'daily-1', region: 'us-east-1', state: 'completed', tags: {},
    metadata: { provider_type: 'AWS::EC2::Snapshot', storage_tier: 'standard', size_gb: 200, source_id: 'vol-1', list_price_gb_month: '0.05', currency: 'USD', created_at: '2026-01-01T00:00:00.000Z' },
  },
  ip_address: {
    provider: 'AWS', type: 'ip_address', name: 'nat-1', region: 'us-east-1', state: 'available', tags: {},
    metadata: { provider_type: 'AWS::EC2::EIP', attached_to: null, ip_address: '3.1.2.3', list_price_hourly: '0.005', currency: 'USD', created_at: '2025-01-01T00:00:00.000Z', utilization: { window_days: 30, network_bytes_per_day: 0, idle_days: 20 } },
  },
  load_balancer: {
    provider: 'AWS', type: 'load_balancer', name: 'public-1', region: 'us-east-1', state: 'active', tags: {},
    metadata: { provider_type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', lb_type: 'application', list_price_hourly: '0.0225', currency: 'USD', created_at: '2025-01-01T00:00:00.000Z', utilization: { window_days: 30, network_bytes_per_day: 1e9, requests_per_day: 50_000 } },
  },
  database: {
    provider: 'AWS', type: 'database', name: 'orders', region: 'us-east-1', state: 'available', tags: {},
    metadata: { provider_type: 'AWS::RDS::DBInstance', instance_class: 'db.m6g.large', vcpus: 2, memory_gb: 8, storage_type: 'gp3', storage_gb: 100, list_price_hourly: '0.152', currency: 'USD', created_at: '2025-01-01T00:00:00.000Z', utilization: { window_days: 30, cpu_avg: 20, cpu_p95: 40, memory_avg: 50, requests_per_day: 100_000, storage_used_pct: 50 } },
  },
};

/** A resource of the kind, with `metadata` and `utilization` merged over a busy, attached default. */
export function resource(
  kind: keyof typeof BASE,
  changes: Partial<Omit<RuleResource, 'metadata'>> & { metadata?: Record<string, unknown>; utilization?: Record<string, unknown> } = {},
): RuleResource {
  const base = BASE[kind]!;
  const { metadata, utilization, ...fields } = changes;
  const baseUtilization = base.metadata.utilization as Record<string, unknown> | undefined;
  return {
    id: '00000000-0000-4000-8000-000000000001',
    cloud_account_id: '00000000-0000-4000-8000-0000000000aa',
    ...base,
    ...fields,
    metadata: { ...base.metadata, ...(utilization || baseUtilization ? { utilization: { ...baseUtilization, ...utilization } } : {}), ...metadata },
  };
}

export function context(cost?: Partial<ResourceCost>): RuleContext {
  return { now: NOW, cost: cost ? { monthly: 100, billed_monthly: 100, currency: 'USD', days: 30, ...cost } : undefined };
}
