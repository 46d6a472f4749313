/**
 * A speed target's verdict. Targets are throughput (blocks and transactions a second), so they are
 * judged by wall time, the CPU-time ratio printed beside it: the importing slave spends a second
 * core on sender recovery, which the CPU ratio counts and the wall ratio gains from, and on a
 * machine whose cores are busy the wall ratio says little (the load is printed with each table).
 */
export function verdict(what: string, wall: number, cpu: number, target: number, fmt: (x: number) => string): string {
  return `${what} ${fmt(wall)} by wall time [${fmt(cpu)} by CPU time], target ${fmt(target)}: ${wall >= target ? "met" : "NOT met"}`;
}
