import { createHash } from 'node:crypto';
import { TERRAFORM_TYPES } from '@stratus/cloud';
import type { EventDataInput } from '@stratus/events';
import type { DriftCandidate } from './terraform.repository.ts';

export type DriftedField = EventDataInput<'resource.drifted'>['drifted'][number];

const sameTags = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

/**
 * How a managed resource as discovered differs from its state: its type (the provider type of the
 * Terraform type), its size (instance type, machine type, SKU ...) and its tags. Only what both
 * sides know is compared: a type Stratus has no entry for, or a state without tags, has no drift there.
 */
export function driftOf(candidate: DriftCandidate): DriftedField[] {
  const info = TERRAFORM_TYPES[candidate.type];
  const drifted: DriftedField[] = [];
  if (info && candidate.discovered_type !== null && candidate.discovered_type !== info.provider_type) {
    drifted.push({ field: 'type', attribute: candidate.type, expected: info.provider_type, actual: candidate.discovered_type });
  }
  if (info?.size_attribute && candidate.size !== null) {
    const discovered = candidate.metadata[info.size_metadata_key ?? info.size_attribute];
    if (typeof discovered === 'string' && discovered !== candidate.size) {
      drifted.push({ field: 'size', attribute: info.size_attribute, expected: candidate.size, actual: discovered });
    }
  }
  if (candidate.tags !== null && !sameTags(candidate.tags, candidate.discovered_tags)) {
    drifted.push({ field: 'tags', attribute: info?.tags_attribute ?? 'tags', expected: candidate.tags, actual: candidate.discovered_tags });
  }
  return drifted;
}

/**
 * One drift, one signature: the resource and what differs, with the values. A sync that finds the
 * same drift computes the same signature and reports nothing; a different drift, or the same one
 * back after it was resolved (the signature went null between), is reported again.
 */
export function driftSignature(resourceId: string, drifted: readonly DriftedField[]): string | null {
  if (drifted.length === 0) return null;
  const canonical = drifted.map(({ field, expected, actual }) => [field, canonicalValue(expected), canonicalValue(actual)]);
  return createHash('sha256').update(JSON.stringify([resourceId, canonical])).digest('base64url');
}

function canonicalValue(value: DriftedField['expected']) {
  return value === null || typeof value === 'string' ? value : Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
}
