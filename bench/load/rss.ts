/** What a million RPCs leave behind in qkc-slave's memory. */
import { performance } from "node:perf_hooks";
import { Sampler } from "./conn.ts";
import { RSS_RPCS } from "./knobs.ts";
import { peakRssBytes, rssBytes } from "./proc.ts";
import { fmtMb, fmtRate } from "./report.ts";
import type { Session } from "./session.ts";
import { allWorkloads } from "./workloads.ts";

/** RSS of qkc-slave across RSS_RPCS GET_ECO_INFO_LIST round trips at 64 in flight. */
export async function rssAfterMillion(s: Session): Promise<string[]> {
  const links = await allWorkloads.find((w) => w.key === "eco64")!.prepare(s);
  const steps = 5;
  const pid = s.target.pid;
  const before = rssBytes(pid);
  const points: string[] = [`0: ${fmtMb(before)}`];
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    const sampler = new Sampler(0);
    await Promise.all(links.map(({ conn, spec }) => conn.load(spec, sampler, { units: RSS_RPCS / steps })));
    if (sampler.errors.length) throw new Error(`rss run: ${sampler.errors.join("; ")}`);
    points.push(`${fmtRate((RSS_RPCS * i) / steps)}: ${fmtMb(rssBytes(pid))}`);
  }
  const secs = (performance.now() - t0) / 1000;
  return [
    `\nqkc-slave RSS (MB) across ${fmtRate(RSS_RPCS)} GET_ECO_INFO_LIST round trips, 64 in flight (${secs.toFixed(1)} s, ${fmtRate(RSS_RPCS / secs)}/s):`,
    `  ${points.join("   ")}   peak ${fmtMb(peakRssBytes(pid))}`,
  ];
}
