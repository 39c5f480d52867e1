import { CloudOperationError, type OperationRequest } from '../adapter.ts';

export function requiredString(request: OperationRequest, key: string): string {
  const value = request.params[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new CloudOperationError(`${request.operation} needs params.${key}, a non-empty string`);
  }
  return value;
}

export function optionalString(request: OperationRequest, key: string): string | undefined {
  const value = request.params[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function requiredTags(request: OperationRequest): Record<string, string> {
  const tags = request.params.tags;
  if (!tags || typeof tags !== 'object' || Array.isArray(tags) || Object.values(tags).some((value) => typeof value !== 'string')) {
    throw new CloudOperationError('tag needs params.tags, an object of string values');
  }
  return tags as Record<string, string>;
}

export function unsupported(provider: string, request: OperationRequest): CloudOperationError {
  return new CloudOperationError(
    `The ${provider} adapter cannot ${request.operation} a ${request.resource_type} (${request.provider_resource_id})`,
  );
}

/**
 * The name of a snapshot the operation makes: the one asked for, else one made from the operation's
 * client token, so that the executor retrying after an unknown outcome names the same snapshot
 * (and the provider refuses, or returns, a second one of that name) instead of making another.
 * Without a token (a call outside the executor), a timestamp. Lower case, letters, digits and
 * single hyphens, starting with a letter: what GCP, Azure and RDS all take.
 */
export function snapshotName(request: OperationRequest, base: string, maxLength: number): string {
  const asked = optionalString(request, 'name');
  if (asked !== undefined) return asked;
  const suffix = request.client_token
    ? `stratus-${request.client_token.replace(/[^0-9a-f]/gi, '').toLowerCase().slice(0, 20)}`
    : `stratus-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
  const prefix = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, Math.max(0, maxLength - suffix.length - 1))
    .replace(/-+$/, '');
  return prefix ? `${prefix}-${suffix}` : suffix;
}
