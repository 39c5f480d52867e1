import type { CloudProvider } from '../adapter.ts';

/**
 * The provider a FOCUS row names, as Stratus names it: AWS, AZURE or GCP for the clouds it links
 * (Microsoft bills Azure, and names its billing ids Microsoft.*), otherwise the file's own name
 * (Oracle, Alibaba Cloud, ...), kept so the report can account for it.
 */
export function providerOf(name: string): CloudProvider | string {
  const key = name.trim().toLowerCase();
  if (key === 'aws' || key === 'amazon' || key === 'amazon web services' || key === 'amazon web services, inc.') return 'AWS';
  if (key === 'microsoft' || key === 'azure' || key === 'microsoft azure' || key.startsWith('microsoft.')) return 'AZURE';
  if (key === 'gcp' || key === 'google' || key === 'google cloud' || key === 'google cloud platform') return 'GCP';
  return name.trim();
}
