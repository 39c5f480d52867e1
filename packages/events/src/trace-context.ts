import {
  context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

/**
 * W3C trace context (traceparent/tracestate) to and from OpenTelemetry contexts. Done here rather
 * than through the global propagator because without an SDK that propagator is a no-op, and the
 * envelope must carry the trace either way.
 */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export function isTraceparent(value: string): boolean {
  return parseTraceparent(value) !== undefined;
}

/** The trace of the active context, if there is a valid one. */
export function activeTraceHeaders(active: Context = context.active()): TraceHeaders {
  const spanContext = trace.getSpanContext(active);
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  const tracestate = spanContext.traceState?.serialize();
  return { traceparent: formatTraceparent(spanContext), ...(tracestate ? { tracestate } : {}) };
}

export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** A context whose remote parent is the given trace; ROOT_CONTEXT when there is none or it is malformed. */
export function contextFromTraceHeaders(headers: TraceHeaders): Context {
  const spanContext = headers.traceparent ? parseTraceparent(headers.traceparent) : undefined;
  if (!spanContext) return ROOT_CONTEXT;
  if (headers.tracestate) spanContext.traceState = createTraceState(headers.tracestate);
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

function parseTraceparent(value: string): SpanContext | undefined {
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is forbidden; version 00 has exactly four fields (later versions may add more).
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const spanContext: SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16),
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}
