/** The part of a pino logger the queues use, so callers pass theirs without this package depending on pino. */
export interface QueueLogger {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
  /** Each finished job, when the caller's level shows it. */
  debug?(object: object, message: string): void;
}
