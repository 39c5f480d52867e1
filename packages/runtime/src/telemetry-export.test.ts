/** With OTEL_EXPORTER_OTLP_ENDPOINT set, the recorded spans go to it (OTLP over HTTP). */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { expect, it } from 'vitest';
import { startTelemetry } from './telemetry.ts';

it('exports spans to the OTLP endpoint when one is set', async () => {
  const received: { path: string; body: Buffer }[] = [];
  const collector = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  try {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
    const sdk = startTelemetry('export-test');
    trace.getTracer('test').startActiveSpan('exported-span', (span) => span.end());
    // Shutting down flushes the batch processor.
    await sdk.shutdown();
    const traces = received.filter(({ path }) => path === '/v1/traces');
    expect(traces).not.toHaveLength(0);
    expect(Buffer.concat(traces.map(({ body }) => body)).toString('latin1')).toContain('exported-span');
  } finally {
    collector.close();
  }
});
