// A process that keeps ~16 MB live and promotes ~240 MB of garbage (objects kept across scavenges,
// then dropped), with --heap-growth argv[2] (0: V8's own): prints its major collections and its
// heap's peak size. test/config/heap-growth.test.ts runs it both ways.
import { type PerformanceEntry, PerformanceObserver, constants } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { setHeapGrowth } from "../../src/config/slave-options.ts";

setHeapGrowth(Number(process.argv[2]));
let majors = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>)
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
}).observe({ entryTypes: ["gc"] });
const live: number[][] = [];
for (let i = 0; i < 2000; i++) live.push(new Array<number>(1000).fill(i));
const ring = new Array<object[]>(4000);
let peak = 0;
for (let i = 0; i < 60_000; i++) {
  ring[i % ring.length] = Array.from({ length: 100 }, (_, k) => ({ k, i }));
  if (i % 500 === 0) peak = Math.max(peak, getHeapStatistics().total_heap_size);
}
// The observer's entries come on a later turn.
setTimeout(() => console.log(JSON.stringify({ majors, peakMB: Math.round(peak / 2 ** 20), live: live.length })), 50);
