import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

/**
 * Paths that may carry secrets. Credentials are never logged on purpose; this is the net under
 * that rule (a request logged whole, an error that embeds a payload).
 */
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'password',
  'password_hash',
  'secret',
  'credentials',
  '*.token',
  '*.password',
  '*.password_hash',
  '*.secret',
  '*.credentials',
];

export function createLogger(service: string, level: string, pretty: boolean): Logger {
  return pino({
    name: service,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    // Ties each log line to the trace it belongs to, so logs and spans can be joined.
    mixin() {
      const context = trace.getActiveSpan()?.spanContext();
      return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
    },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' } } }
      : {}),
  });
}
