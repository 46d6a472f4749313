/** The load bench's tables: throughput, latency, the slave's CPU and RSS, the fan-out, the flood. */
import { RUNS, RUN_MS } from "./knobs.ts";
import type { FloodResult } from "./flood.ts";
import type { Figures, Kind, Results } from "./measure.ts";
import { FANOUT_WINDOWS } from "./fanout-runs.ts";
import { SIBLINGS } from "./session.ts";
import { LISTS_PER_UNIT, type Workload, workloads } from "./workloads.ts";

export const fmtRate = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x)
    ? "-"
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} M`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)} k`
        : x.toFixed(0);
export const fmtMs = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? "-" : x < 10 ? x.toFixed(3) : x.toFixed(1);
export const fmtMb = (x: number | undefined): string => (x === undefined ? "-" : (x / 1e6).toFixed(1));
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !b ? "-" : `${(a / b).toFixed(1)}×`;
const pct = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !b ? "-" : `${((100 * a) / b).toFixed(0)}%`;

/** CPU µs per unit, and the busy share of one core, over the run's own time. */
const per = (f: Figures | undefined): number | undefined =>
  f?.cpu === undefined ? undefined : (f.cpu / (f.rate * f.secs)) * 1e6;
const core = (f: Figures | undefined): string =>
  f?.cpu === undefined ? "-" : `${((100 * f.cpu) / f.secs).toFixed(0)}%`;
const us = (x: number | undefined): string => (x === undefined ? "-" : x >= 100 ? x.toFixed(0) : x.toFixed(1));

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join(" ");
}

export function printTables(results: Results): void {
  const get = (k: Kind, w: string): Figures | undefined => results.get(k)?.get(w);
  const label = (w: Workload): string =>
    `${w.label}, ${w.key === "txlist" ? `${w.window * w.framesPerUnit} frames` : `${w.window}${w.key === "xshard" ? "/link" : ""}`} in flight`;
  const LW = 66;
  console.log(
    `\nThroughput: round trips/s (frames/s for NEW_TRANSACTION_LIST), median of ${RUNS} runs of ${RUN_MS} ms (qkc-slave and ideal runs alternating)`,
  );
  const tw = [LW, 10, 10, 12, 10, 9];
  console.log(row(["workload", "qkc-slave", "ideal", "pyquarkchain", "qkc/ideal", "qkc/py"], tw));
  for (const w of workloads) {
    const q = get("qkc", w.key)?.rate;
    const i = get("ideal", w.key)?.rate;
    const p = get("py", w.key)?.rate;
    console.log(row([label(w), fmtRate(q), fmtRate(i), fmtRate(p), pct(q, i), ratio(q, p)], tw));
  }
  console.log(`\nLatency p50 / p99, ms (NEW_TRANSACTION_LIST: one unit of ${LISTS_PER_UNIT} lists + its barrier RPC)`);
  const lw = [LW, 17, 17, 17];
  console.log(row(["workload", "qkc-slave", "ideal", "pyquarkchain"], lw));
  const lat = (f: Figures | undefined): string => (f ? `${fmtMs(f.p50)} / ${fmtMs(f.p99)}` : "-");
  for (const w of workloads)
    console.log(row([label(w), lat(get("qkc", w.key)), lat(get("ideal", w.key)), lat(get("py", w.key))], lw));

  console.log(
    `\nThe slave process during each run (from /proc): CPU µs per round trip (per frame for NEW_TRANSACTION_LIST),` +
      ` busy share of one core, peak RSS in MB`,
  );
  const rw = [LW, 9, 5, 7, 9, 5, 9, 5, 7, 9];
  console.log(row(["", "qkc-slave", "", "", "ideal", "", "pyquarkchain", "", "", "py/qkc"], rw));
  console.log(row(["workload", "µs/op", "core", "RSS", "µs/op", "core", "µs/op", "core", "RSS", "CPU/op"], rw));
  for (const w of workloads) {
    const q = get("qkc", w.key);
    const i = get("ideal", w.key);
    const p = get("py", w.key);
    const cells = [label(w), us(per(q)), core(q), fmtMb(q?.peakRss), us(per(i)), core(i)];
    cells.push(us(per(p)), core(p), fmtMb(p?.peakRss), ratio(per(p), per(q)));
    console.log(row(cells, rw));
  }
}

export function printFanout(results: Results): void {
  console.log(
    `\nxshard fan-out: blocks/s, xshard lists delivered/s (${SIBLINGS} per block, counted by the stand-ins), ` +
      `latency per block, the slave's CPU per block; median of ${RUNS} count-bounded runs`,
  );
  const fw = [26, 10, 10, 17, 9, 5, 7];
  console.log(
    row(["blocks in flight, slave", "blocks/s", "lists/s", "p50 / p99 ms", "µs/block", "core", "RSS MB"], fw),
  );
  const names: Array<[Kind, string]> = [
    ["qkc", "qkc-slave"],
    ["ideal", "ideal"],
    ["py", "pyquarkchain"],
  ];
  for (const window of FANOUT_WINDOWS) {
    const get = (k: Kind): Figures | undefined => results.get(k)?.get(`fanout${window}`);
    for (const [kind, name] of names) {
      const f = get(kind);
      const lat = f ? `${fmtMs(f.p50)} / ${fmtMs(f.p99)}` : "-";
      const cells = [`${window}, ${name}`, fmtRate(f?.rate), fmtRate(f && f.rate * SIBLINGS), lat];
      console.log(row([...cells, us(per(f)), core(f), fmtMb(f?.peakRss)], fw));
    }
    const [q, i, p] = names.map(([k]) => get(k));
    console.log(
      `  ${window} in flight: qkc/ideal ${pct(q?.rate, i?.rate)}, qkc/py ${ratio(q?.rate, p?.rate)} (blocks/s), ` +
        `py/qkc CPU per block ${ratio(per(p), per(q))}`,
    );
  }
}

/** The interop flood sub-command's figures, qkc-slave beside pyquarkchain. */
export function printFloods(floods: { qkc: FloodResult[]; py: FloodResult[] }): void {
  console.log(
    `\nThe interop flood sub-command (pyquarkchain's master client, py_master.py), GET_ECO_INFO_LIST: rps, p50/p99 ms`,
  );
  const fw = [24, 26, 26, 9];
  console.log(row(["", "qkc-slave", "pyquarkchain", "qkc/py"], fw));
  const f = (r: FloodResult): string => `${fmtRate(r.rps)}  ${fmtMs(r.p50_ms)}/${fmtMs(r.p99_ms)}`;
  for (const [i, label] of ["1 in flight, 5000", "64 in flight, 20000"].entries()) {
    console.log(row([label, f(floods.qkc[i]!), f(floods.py[i]!), ratio(floods.qkc[i]!.rps, floods.py[i]!.rps)], fw));
  }
  console.log(
    "  (the client is pyquarkchain's asyncio master, which limits both; the tables above use our batching generator)",
  );
}
