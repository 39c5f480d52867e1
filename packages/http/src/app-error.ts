/**
 * The one error type routes and services throw on purpose. The kind says what went wrong in terms
 * a client can act on; the error handler maps it to an HTTP status, so no route picks status codes.
 */
export type ErrorKind = 'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited' | 'unavailable';

export const ERROR_STATUS = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
} as const satisfies Record<ErrorKind, number>;

export class AppError extends Error {
  override name = 'AppError';
  readonly kind: ErrorKind;
  /** Returned to the client with 4xx responses: put only what the caller may see here. */
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.details = options.details;
  }

  get statusCode(): number {
    return ERROR_STATUS[this.kind];
  }
}

/** Ends an exhaustive switch: adding a case to the union without handling it fails to compile. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
