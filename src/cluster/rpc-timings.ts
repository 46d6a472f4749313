/**
 * Seconds. A loopback RPC takes ~100 µs, a backend query milliseconds, a sibling that does
 * not answer the whole --rpc-timeout-ms (30 s by default).
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Counts per bucket (not cumulative; the last slot is +Inf), as Prometheus histograms need them. */
export class LatencyHistogram {
  readonly counts = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** "call": a request this slave sent, until its answer; "serve": a request it answered, until the answer was written. */
export type RpcSide = "call" | "serve";

export interface LatencySeries {
  side: RpcSide;
  /** "master", "slave" or "peer" (the first word of the connection's name). */
  conn: string;
  op: string;
  histogram: LatencyHistogram;
}

/**
 * What the RPC layer counts for metrics: latency per (side, connection kind, op) and the
 * frames it could not decode, by DecodeError kind. Shared by every connection of a slave.
 */
export class RpcTimings {
  /**
   * Whether RPC latencies are measured: two clock reads and a bucket per RPC, paid only when
   * something reads them (slaveMetrics turns it on). Decode errors are always counted.
   */
  latency = false;
  readonly series = new Map<string, LatencySeries>();
  readonly decodeErrors = new Map<string, number>();

  /** The histogram of one series, made on first use (callers keep it: no lookup per RPC). */
  histogram(side: RpcSide, conn: string, op: string): LatencyHistogram {
    const key = `${side} ${conn} ${op}`;
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { side, conn, op, histogram: new LatencyHistogram() }));
    return s.histogram;
  }

  countDecodeError(kind: string): void {
    this.decodeErrors.set(kind, (this.decodeErrors.get(kind) ?? 0) + 1);
  }
}
