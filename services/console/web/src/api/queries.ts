import { useQuery } from '@tanstack/react-query';
import { api, type Query } from './client.ts';
import type { Breakdown, CloudAccount, Page } from './types.ts';

/** Every linked account once, for the account pickers and names. */
export function useCloudAccounts() {
  return useQuery({
    queryKey: ['ingestion', 'cloud-accounts'],
    queryFn: () => api<Page<CloudAccount>>('ingestion', '/cloud-accounts', { query: { limit: 200 } }),
    staleTime: 60_000,
  });
}

export function useBreakdown(query: Query, enabled = true) {
  return useQuery({
    queryKey: ['cost', 'breakdown', query],
    queryFn: () => api<Breakdown>('cost', '/costs/breakdown', { query }),
    enabled,
  });
}
