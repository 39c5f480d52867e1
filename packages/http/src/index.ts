export { AppError, ERROR_STATUS, assertNever, type ErrorKind } from './app-error.ts';
export { errorSchema, invalidRequestMessage, type ErrorBody } from './error-handler.ts';
export { buildServer, BEARER_SECURITY_SCHEME, type ServerOptions, type StratusServer } from './server.ts';
export { installRateLimits, type RateLimitClass, type RateLimitOptions, type RateLimits } from './rate-limit.ts';
export { healthPlugin, type HealthOptions, type ReadinessCheck } from './health.plugin.ts';
export { cursorCodec, decodeCursor, encodeCursor, pageQuery, pageSchema, pgTimestamp, toPage } from './pagination.ts';
export { LIMITS, day, jsonProblems, jsonValue, text, textProblem } from './fields.ts';
export { hardenRequestSchema } from './request-schema.ts';
export { deliveryChannel, notificationChannel } from './notification-channels.ts';
