/**
 * Runs and their figures: one run of a workload on a slave (rate, latency, the slave's CPU
 * and peak RSS from /proc), the median of several, and runs interleaved across slaves.
 */
import { performance } from "node:perf_hooks";
import { Sampler } from "./conn.ts";
import { RUNS, RUN_MS, WARMUP_MS } from "./knobs.ts";
import { cpuSeconds, peakRssBytes, resetPeakRss } from "./proc.ts";
import type { Session } from "./session.ts";
import type { Target } from "./targets.ts";
import { type Links, type Workload, workloads } from "./workloads.ts";

export type Kind = "qkc" | "ideal" | "py";

export interface RunFigures {
  rate: number;
  /** The time the rate is over: RUN_MS, or a count-bounded run's wall time. */
  secs: number;
  p50: number;
  p99: number;
  cpu: number | undefined;
  peakRss: number | undefined;
}

export type Figures = RunFigures & { runs: number };

/** Every figure, by kind of slave, then by workload key. */
export type Results = Map<Kind, Map<string, Figures>>;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function percentile(lat: Float64Array, q: number): number {
  if (lat.length === 0) return NaN;
  const sorted = Float64Array.from(lat).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** One run: for `durationMs`, or of `units` units (then over its wall time). */
export async function runOnce(
  target: Target,
  links: Links,
  w: Pick<Workload, "key" | "framesPerUnit">,
  bound: { durationMs: number } | { units: number },
): Promise<RunFigures> {
  const sampler = new Sampler("units" in bound ? bound.units : Math.ceil((bound.durationMs / 1000) * 1_000_000));
  const cpu0 = cpuSeconds(target.pid);
  const peakOk = resetPeakRss(target.pid);
  const t0 = performance.now();
  await Promise.all(links.map(({ conn, spec }) => conn.load(spec, sampler, bound)));
  const wall = performance.now() - t0;
  const cpu1 = cpuSeconds(target.pid);
  if (sampler.errors.length) throw new Error(`${target.name} ${w.key}: ${sampler.errors.join("; ")}`);
  const lat = sampler.latencies.subarray(0, sampler.n);
  const secs = "units" in bound ? wall / 1000 : bound.durationMs / 1000;
  return {
    secs,
    rate: (sampler.completed * w.framesPerUnit) / secs,
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    cpu: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
    peakRss: peakOk ? peakRssBytes(target.pid) : undefined,
  };
}

/** One slave's session with every workload prepared on it (the samples it answered recorded). */
export interface Contender {
  kind: Kind;
  s: Session;
  links: Map<string, Links>;
}

export async function prepareAll(kind: Kind, s: Session): Promise<Contender> {
  const links = new Map<string, Links>();
  for (const w of workloads) links.set(w.key, await w.prepare(s));
  return { kind, s, links };
}

/**
 * Each workload on every contender, their runs interleaved (a run of one, then of the next,
 * RUNS times): a busier moment of the machine falls on all of them alike, so the ratio of
 * their medians means more than the ratio of runs minutes apart. A contender other than the
 * first that fails is dropped with a note; the first one's failure is the bench's.
 */
export async function measureInterleaved(
  contenders: Contender[],
  results: Map<Kind, Map<string, Figures>>,
  notes: string[],
) {
  process.stdout.write(`  ${contenders.map(({ s }) => `${s.target.name} (pid ${s.target.pid})`).join(", ")}:`);
  let live = contenders;
  const attempt = async <T>(c: Contender, what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (c === contenders[0]) throw err;
      notes.push(
        `${c.s.target.name}: dropped at ${what} (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`,
      );
      live = live.filter((x) => x !== c);
      return undefined;
    }
  };
  for (const w of workloads) {
    const runs = new Map<Contender, RunFigures[]>(live.map((c) => [c, []]));
    for (const c of live)
      await attempt(c, w.key, () => runOnce(c.s.target, c.links.get(w.key)!, w, { durationMs: WARMUP_MS }));
    for (let i = 0; i < RUNS; i++) {
      for (const c of live) {
        const r = await attempt(c, w.key, () => runOnce(c.s.target, c.links.get(w.key)!, w, { durationMs: RUN_MS }));
        if (r) runs.get(c)!.push(r);
      }
    }
    for (const c of live) figuresOf(c.kind, results).set(w.key, medians(runs.get(c)!));
    process.stdout.write(` ${w.key}`);
  }
  process.stdout.write("\n");
}

export function medians(runs: RunFigures[]): Figures {
  const med = (f: (r: RunFigures) => number | undefined): number | undefined => {
    const xs = runs.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  return {
    rate: med((r) => r.rate)!,
    secs: med((r) => r.secs)!,
    p50: med((r) => r.p50)!,
    p99: med((r) => r.p99)!,
    cpu: med((r) => r.cpu),
    peakRss: med((r) => r.peakRss),
    runs: runs.length,
  };
}

/** The figures of one kind of slave, kept across the slave processes it is measured on. */
export function figuresOf(kind: Kind, results: Map<Kind, Map<string, Figures>>): Map<string, Figures> {
  let mine = results.get(kind);
  if (!mine) results.set(kind, (mine = new Map()));
  return mine;
}
