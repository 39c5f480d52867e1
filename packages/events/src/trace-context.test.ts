import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { activeTraceHeaders, contextFromTraceHeaders, formatTraceparent } from './trace-context.ts';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace context', () => {
  it('turns a traceparent into a remote parent context and back', () => {
    const parent = contextFromTraceHeaders({ traceparent, tracestate: 'congo=t61rcWkgMzE' });
    const spanContext = trace.getSpanContext(parent);
    expect(spanContext).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(activeTraceHeaders(parent)).toEqual({ traceparent, tracestate: 'congo=t61rcWkgMzE' });
    expect(formatTraceparent(spanContext!)).toBe(traceparent);
  });

  it('ignores malformed or invalid trace context', () => {
    for (const bad of [
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      `${traceparent}-extra`,
    ]) {
      expect(contextFromTraceHeaders({ traceparent: bad }), bad).toBe(ROOT_CONTEXT);
    }
    expect(activeTraceHeaders(ROOT_CONTEXT)).toEqual({});
  });
});
