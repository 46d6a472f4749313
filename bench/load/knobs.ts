/**
 * The load bench's knobs, from the environment (see bench/load.bench.ts): how long and how
 * often each figure is measured, and what runs.
 */
export const RUN_MS = Number(process.env["BENCH_RUN_MS"] ?? 600);
export const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
export const WARMUP_MS = Math.max(200, RUN_MS / 2);
export const RSS_RPCS = Number(process.env["BENCH_RSS_RPCS"] ?? 1_000_000);
/** BENCH_WORKLOADS: workload keys (eco1, eco64, ..., fanout); undefined: all. */
export const onlyWorkloads = process.env["BENCH_WORKLOADS"]?.split(",");
export const fanoutSelected = !onlyWorkloads || onlyWorkloads.includes("fanout");
/** BENCH_TARGETS: what runs besides qkc-slave. */
export const targets = new Set((process.env["BENCH_TARGETS"] ?? "ideal,py,flood").split(","));
