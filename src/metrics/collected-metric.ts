import type { Metric, Registry } from "prom-client";

export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
  /** For histograms: `<name>_bucket`, `_sum`, `_count`. */
  metricName?: string;
}

export type MetricType = "counter" | "gauge" | "histogram";

/**
 * A metric whose samples are computed when it is scraped, from counters the slave keeps
 * in plain numbers. prom-client's own metric classes want every increment to go through
 * them; this keeps prom-client off the frame path entirely.
 */
export function registerCollected(
  registry: Registry,
  name: string,
  help: string,
  type: MetricType,
  collect: () => Sample[],
): void {
  const get = () => Promise.resolve({ name, help, type, aggregator: "sum", values: collect() });
  // prom-client's registry reads only name, help, type, get() and reset() of a metric.
  const metric = { name, help, type, aggregator: "sum", get, reset: () => {} };
  registry.registerMetric(metric as unknown as Metric);
}
