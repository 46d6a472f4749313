import { readFileSync, readdirSync } from "node:fs";

/**
 * How a process's senders were found, for measuring (QKC_SENDER_STATS=1: printed to stderr at exit):
 * by the threads, in place on the main thread (it caught up with them, or one stopped), stolen ahead
 * of the threads (the next transaction nobody had claimed), and how often and how long the main
 * thread waited for a thread; the same for blocks' receipt roots (receipt-root.ts); then each thread's
 * CPU time from the first block posted to the exit (Linux /proc: the main thread, the
 * sender threads, and the rest: V8's GC and compiler helpers, libuv).
 */
export const senderStats = {
  on: process.env["QKC_SENDER_STATS"] === "1",
  posted: 0,
  here: 0,
  stolen: 0,
  waits: 0,
  waitMs: 0,
  /** Receipt roots (receipt-root.ts) taken from a thread, computed here, waited for and how long. */
  rootsByThread: 0,
  rootsHere: 0,
  rootWaits: 0,
  rootWaitMs: 0,
  /** The sender threads' thread ids (as their "ready" message says). */
  tids: [] as string[],
  /** CPU ticks by thread id when the first block was posted. */
  start: undefined as Map<string, number> | undefined,
};

/** utime + stime of each of this process's threads, in clock ticks (empty off Linux). */
function threadTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    }
  } catch {
    // not Linux, or a thread gone meanwhile: what was read
  }
  return ticks;
}

/** Called as a block is posted: the CPU baseline is taken at the first. */
export function countPosted(count: number): void {
  senderStats.posted += count;
  if (senderStats.on && senderStats.start === undefined) senderStats.start = threadTicks();
}

if (senderStats.on)
  process.on("exit", () => {
    const { posted, here, stolen, waits, waitMs, start, tids, rootsByThread, rootsHere, rootWaits, rootWaitMs } =
      senderStats;
    if (posted === 0) return;
    let cpu = "";
    if (start !== undefined) {
      const delta = (tid: string) => (threadTicks().get(tid) ?? 0) - (start.get(tid) ?? 0);
      const now = threadTicks();
      let rest = 0;
      for (const [tid, t] of now)
        if (tid !== String(process.pid) && !tids.includes(tid)) rest += t - (start.get(tid) ?? 0);
      cpu = `; CPU ticks since the first block: main ${delta(String(process.pid))}, sender threads ${tids.map(delta).join("+") || 0}, other threads ${rest}`;
    }
    process.stderr.write(
      `sender stats: ${posted} posted, ${posted - here - stolen} by threads, ${here} in place, ${stolen} stolen ` +
        `ahead, ${waits} waits (${waitMs.toFixed(1)} ms); receipt roots: ${rootsByThread} by threads, ` +
        `${rootsHere} here, ${rootWaits} waits (${rootWaitMs.toFixed(1)} ms)${cpu}\n`,
    );
  });
