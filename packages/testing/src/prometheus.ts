/// <reference path="./parse-prometheus-text-format.d.ts" />
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';

export type { MetricFamily };

export interface PrometheusSample {
  labels: Record<string, string>;
  value: number;
}

/**
 * A /metrics body checked by a Prometheus text-format parser (it throws on a line Prometheus would
 * refuse): its families by name, and the samples of one series name with their labels.
 */
export function parsePrometheus(text: string): { families: Map<string, MetricFamily>; samples(name: string): PrometheusSample[] } {
  const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  return {
    families,
    // The parser folds a histogram's series into one and drops their labels; its `_count` (or a
    // counter's or gauge's) lines, parsed on their own as an untyped family, keep them.
    samples(name) {
      const lines = text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
      if (lines.length === 0) return [];
      const [family] = parsePrometheusTextFormat(`${lines.join('\n')}\n`);
      return family!.metrics.map((sample) => ({ labels: sample.labels ?? {}, value: Number(sample.value) }));
    },
  };
}
