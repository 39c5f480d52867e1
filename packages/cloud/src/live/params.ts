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
