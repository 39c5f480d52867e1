import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, ERROR_STATUS, type ErrorKind } from './app-error.ts';

export interface ErrorBody {
  error: ErrorKind | 'internal';
  message: string;
  details?: Record<string, unknown>;
}

/** An ErrorBody as a route declares it among its responses, so /docs shows what a 4xx holds. */
export const errorSchema = z.object({ error: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() });

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword?: string;
  params?: { keys?: unknown };
}

/** What a 5xx says: the cause goes to the log with the request id, never to the client. */
const INTERNAL_MESSAGES = {
  internal: 'internal server error',
  unavailable: 'service temporarily unavailable, retry later',
} as const;

function kindOfStatus(status: number): ErrorKind {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 429:
      return 'rate_limited';
    default:
      return 'invalid';
  }
}

function hasValidation(error: unknown): error is FastifyError & { validation: ValidationIssue[] } {
  return error instanceof Error && Array.isArray((error as FastifyError).validation);
}

/** What a 400 says of a key the route does not declare, in a body (`field`) or elsewhere (`parameter`). */
export function unknownKeyMessage(context: string | undefined): string {
  return `is not a known ${context === 'body' ? 'field' : 'parameter'}`;
}

/** The message of a 400 for these issues: it names each field. */
export function invalidRequestMessage(issues: readonly { field: string; message: string }[]): string {
  return `invalid request: ${issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')}`;
}

/** `body.owner.email` from fastify's context (`body`) and the issue's JSON pointer (`/owner/email`). */
function fieldOf(context: string | undefined, instancePath: string): string {
  const path = instancePath.split('/').filter(Boolean).join('.');
  return [context, path].filter(Boolean).join('.') || '(root)';
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.status(status).send(body);
}

/**
 * A write the database's row-level security refused (insufficient_privilege): the team policies
 * let a person read an account but not change it below their grant's level, so this is the
 * caller's limit, not a fault.
 */
function isRowSecurityRefusal(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === '42501' && typeof message === 'string' && message.includes('row-level security');
}

/**
 * The single place errors become responses. 4xx: `{ error: kind, message, details? }` that a
 * client can act on; validation failures name each failing field. 5xx: logged with the error and
 * answered with a generic message, so stack traces, SQL and hostnames never leave the process.
 */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasValidation(error)) {
    const issues = error.validation.flatMap((issue) => {
      const field = fieldOf(error.validationContext, issue.instancePath);
      // One issue per unknown key, each named: `querystring.account_id is not a known parameter`.
      if (issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params?.keys)) {
        const message = unknownKeyMessage(error.validationContext);
        return issue.params.keys.map((key) => ({ field: fieldOf(error.validationContext, `${issue.instancePath}/${String(key)}`), message }));
      }
      return [{ field, message: issue.message ?? 'is invalid' }];
    });
    return send(reply, 400, {
      error: 'invalid',
      message: invalidRequestMessage(issues),
      details: { issues },
    });
  }

  if (isRowSecurityRefusal(error)) {
    return send(reply, 403, { error: 'forbidden', message: "this change is outside what your teams' access to its cloud account allows" });
  }
  const status =
    error instanceof AppError ? error.statusCode : ((error as Partial<FastifyError>).statusCode ?? 500);
  if (status < 500) {
    const kind = error instanceof AppError ? error.kind : kindOfStatus(status);
    const details = error instanceof AppError ? error.details : undefined;
    return send(reply, status, { error: kind, message: (error as Error).message, ...(details ? { details } : {}) });
  }

  request.log.error({ err: error }, 'request failed');
  const kind = status === ERROR_STATUS.unavailable ? 'unavailable' : 'internal';
  return send(reply, status, { error: kind, message: INTERNAL_MESSAGES[kind] });
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(reply, 404, { error: 'not_found', message: `route ${request.method} ${request.url} not found` });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
}
