/**
 * What the OS says about a process: CPU time and resident memory, from /proc (Linux).
 * Everything returns undefined where /proc is not available, and the bench prints "-".
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds the process has used so far (all its threads). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

function statusKb(pid: number, key: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): number | undefined {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size now, in bytes. */
export const rssBytes = (pid: number): number | undefined => statusKb(pid, "VmRSS");

/**
 * The resident set's two parts: anonymous memory (the heap, buffers: what the process keeps) and
 * file-backed pages (the code, and an LMDB store's memory map: pages the kernel drops at will).
 */
export const rssAnonBytes = (pid: number): number | undefined => statusKb(pid, "RssAnon");
export const rssFileBytes = (pid: number): number | undefined => statusKb(pid, "RssFile");

/** Peak resident set size since the process started or since resetPeakRss, in bytes. */
export const peakRssBytes = (pid: number): number | undefined => statusKb(pid, "VmHWM");

/** Starts a new peak-RSS window (Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM to VmRSS). */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * The resident part of malloc's main arena (the `[heap]` mapping, grown with brk), in bytes: what
 * the C side keeps (ArrayBuffer contents, LMDB's pages in a commit, V8's own tables), apart from V8's
 * JavaScript heap (mapped on its own). glibc hands back only the arena's top, so freed holes below
 * live chunks stay resident: this is where fragmentation shows.
 */
export function mallocHeapBytes(pid: number): number | undefined {
  try {
    const smaps = readFileSync(`/proc/${pid}/smaps`, "latin1");
    const at = smaps.search(/ \[heap\]\n/);
    if (at < 0) return 0;
    const m = /^Rss:\s+(\d+) kB/m.exec(smaps.slice(at));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
