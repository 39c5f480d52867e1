/**
 * The providers' on-demand list prices, as the sim catalogue carries them (approximate, USD, early
 * 2026). Savings fall back on them where a resource has no cost lines yet; a deployment that needs
 * today's exact prices replaces this module by the providers' price lists (AWS Price List API,
 * Azure Retail Prices, Cloud Billing Catalog), the interface stays.
 */
import type { CloudProvider } from './adapter.ts';
import { CATALOGS } from './sim/catalog.ts';

/** Hours in a month, as the providers prorate hourly and GB-month prices. */
export const HOURS_PER_MONTH = 730;

export interface ListPrice {
  /** Size, class, tier or storage class, in the provider's vocabulary. */
  name: string;
  vcpus?: number;
  memory_gb?: number;
  /** Per hour (compute, addresses, load balancers) or per GB-month (storage). */
  unit: 'hour' | 'gb_month';
  price: number;
  currency: 'USD';
}

/**
 * The sizes a resource of the provider's type (metadata.provider_type) can have in the region,
 * priced there; undefined for a type or region the price list does not know.
 */
export function listPricesOf(provider: CloudProvider, providerType: string, region: string | null): readonly ListPrice[] | undefined {
  const catalog = CATALOGS[provider];
  const where = catalog.regions.find((candidate) => candidate.name === region);
  if (!where) return undefined;
  for (const variants of Object.values(catalog.variants)) {
    const variant = variants.items.find((candidate) => candidate.provider_type === providerType);
    if (!variant) continue;
    return variant.sizes.items.map((sku) => ({
      name: sku.name,
      ...(sku.vcpus === undefined ? {} : { vcpus: sku.vcpus, memory_gb: sku.memory_gb }),
      unit: sku.hourly === undefined ? 'gb_month' : 'hour',
      price: sku.prices[where.index]!,
      currency: 'USD',
    }));
  }
  return undefined;
}
