/**
 * bench:exec --rss: qkc-slave's resident memory across many imported blocks (issue 17: "RSS flat
 * across 10,000 blocks"). The slave imports blocks of QKC transfers over TCP, a root block
 * confirming each 100 (a one-minute root block confirms some 60 one-second blocks), and its RSS is
 * read from /proc after each 100, anonymous memory (the heap and buffers: what the process keeps)
 * apart from file-backed pages (code, and LMDB's memory map: pages of the store the kernel keeps
 * resident while memory is free and drops at will). A point each 100 blocks, not 500: V8's heap
 * and malloc's arena move in a sawtooth of some 20 MB, so a point at a peak or a trough moved the
 * slope of 11 points by some 3 KB a block; among 51 it weighs a fifth as much.
 *
 * The flat target is judged on the store a node that runs long uses: LMDB (`--db-path`). The
 * in-memory store keeps every record in the heap (as pyquarkchain's InMemoryDb does), so its RSS
 * grows with the chain by design; its curve is printed beside, not judged.
 */
import { uptime } from "../args.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { mallocHeapBytes, peakRssBytes, rssAnonBytes, rssBytes, rssFileBytes } from "../load/proc.ts";
import { freePort, startQkcSlaveFromConfig } from "../load/targets.ts";
import { ExecChain, clusterConfigFile } from "./chain.ts";
import { Driver } from "./drive.ts";

/**
 * A point of the RSS curve: blocks imported, then the slave's RSS, its anonymous and file-backed
 * parts, and of the anonymous part malloc's main arena (the rest is V8's heap, thread stacks and arenas).
 */
interface RssPoint {
  blocks: number;
  rss?: number;
  anon?: number;
  file?: number;
  malloc?: number;
}

/**
 * Flat: over the second half of the run (the first fills the bounded caches: trie nodes, decoded
 * blocks and headers, derived states; the headers, the slowest, the last 2,048 blocks'), the
 * anonymous RSS grows less than this a block: 2 KB, i.e. under 20 MB over 10,000 blocks, where
 * keeping a block's records in memory costs some 130 KB.
 */
export const FLAT_BYTES_PER_BLOCK = 2048;

export interface RssOptions {
  /** Blocks the judged (LMDB) run imports. */
  total: number;
  /** QKC transfers a block. */
  txs: number;
  /** LMDB's directory. */
  dbPath: string;
  /** Blocks the in-memory store's run imports (0: none). */
  memoryBlocks: number;
}

const mb = (b: number | undefined) => (b === undefined ? "-" : `${(b / 1048576).toFixed(0)} MB`);
const kbPerBlock = (from: RssPoint, to: RssPoint) =>
  from.rss === undefined || to.rss === undefined || to.blocks === from.blocks
    ? undefined
    : (to.rss - from.rss) / (to.blocks - from.blocks);

/**
 * The anonymous RSS's growth a block over `points`, by least squares: V8 returns freed heap pages
 * to the OS at its own pace, so any two points alone move by some MB either way.
 */
function slope(points: readonly RssPoint[]): number | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.blocks, 0) / n;
  const my = points.reduce((a, p) => a + p.anon!, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.blocks - mx) * (p.anon! - my);
    den += (p.blocks - mx) ** 2;
  }
  return num / den;
}

/** Imports `total` blocks into a fresh slave on the given store; the RSS curve. */
async function curve(dir: string, label: string, total: number, txs: number, dbPath?: string): Promise<RssPoint[]> {
  const chunk = 100;
  const chain = await ExecChain.create();
  const port = await freePort();
  const store = dbPath === undefined ? [] : ["--db-path", dbPath];
  // The slave's output, kept to count the commits LmdbKv retried (its QKC_LMDB_BAD_TXN_RETRY warning).
  const logFile = process.env["BENCH_TARGET_LOG"] ?? join(dir, `qkc-${label}.log`);
  const logBefore = existsSync(logFile) ? readFileSync(logFile, "latin1").length : 0;
  const given = process.env["BENCH_TARGET_LOG"];
  process.env["BENCH_TARGET_LOG"] = logFile; // read once, when the process starts
  const target = await startQkcSlaveFromConfig(clusterConfigFile(dir, chain, port, `qkc-${label}`), port, store);
  if (given === undefined) delete process.env["BENCH_TARGET_LOG"];
  else process.env["BENCH_TARGET_LOG"] = given;
  const where = dbPath === undefined ? "in-memory store" : `LMDB store at ${dbPath}`;
  console.log(`qkc-slave RSS across ${total} imported blocks of ${txs} QKC transfers, ${where} (${uptime()})`);
  const point = (blocks: number): RssPoint => ({
    blocks,
    rss: rssBytes(target.pid),
    anon: rssAnonBytes(target.pid),
    file: rssFileBytes(target.pid),
    malloc: mallocHeapBytes(target.pid),
  });
  const points: RssPoint[] = [point(0)];
  const show = (p: RssPoint) =>
    `${p.blocks}: ${mb(p.rss)} (anonymous ${mb(p.anon)} of which malloc's arena ${mb(p.malloc)}, file-backed ${mb(p.file)})`;
  try {
    const driver = await Driver.open(target, chain);
    let imported = 0;
    let importMs = 0;
    const t0 = performance.now();
    while (imported < total) {
      const n = Math.min(chunk, total - imported);
      await chain.add("transfer", n, txs);
      await chain.confirm(); // a master confirms them in root blocks; unconfirmed headers are not what is measured
      const timed = await driver.run(chain.drain());
      importMs += timed.get("transfer")!.ms;
      imported += n;
      points.push(point(imported));
      if (imported % 500 === 0 || imported === total)
        console.log(`  ${show(points[points.length - 1]!)}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    const every1000 = points.filter((p) => p.blocks % 1000 === 0 || p.blocks === total);
    console.log(`  RSS        ${every1000.map((p) => `${p.blocks}: ${mb(p.rss)}`).join("  ")}`);
    console.log(`  anonymous  ${every1000.map((p) => `${p.blocks}: ${mb(p.anon)}`).join("  ")}`);
    console.log(`  malloc     ${every1000.map((p) => `${p.blocks}: ${mb(p.malloc)}`).join("  ")}`);
    console.log(`  file       ${every1000.map((p) => `${p.blocks}: ${mb(p.file)}`).join("  ")}`);
    console.log(
      `  peak ${mb(peakRssBytes(target.pid))}; import ${((imported * 1000) / importMs).toFixed(1)} blocks/s (${uptime()})`,
    );
    driver.close();
  } finally {
    await target.stop(2000);
    if (dbPath !== undefined && existsSync(logFile)) {
      const retried = readFileSync(logFile, "latin1").slice(logBefore).split("QKC_LMDB_BAD_TXN_RETRY").length - 1;
      console.log(`  LMDB commits that failed with MDB_BAD_TXN and were retried: ${retried}`);
    }
  }
  return points;
}

/** Both curves, and the verdict on the LMDB one. */
export async function rssRun(dir: string, o: RssOptions): Promise<void> {
  const lmdb = await curve(dir, "lmdb", o.total, o.txs, o.dbPath);
  let memoryLine: string | undefined;
  if (o.memoryBlocks > 0) {
    const mem = await curve(dir, "memory", o.memoryBlocks, o.txs);
    const perBlock = kbPerBlock(mem[0]!, mem[mem.length - 1]!);
    if (perBlock !== undefined)
      memoryLine =
        `  in-memory store (not judged): RSS ${mb(mem[0]!.rss)} -> ${mb(mem[mem.length - 1]!.rss)} over ` +
        `${mem[mem.length - 1]!.blocks} blocks, ${(perBlock / 1024).toFixed(0)} KB a block: it keeps every ` +
        `record (trie nodes of every state, blocks, receipts, indexes) in the heap, as pyquarkchain's InMemoryDb does`;
  }
  console.log(`verdict (issue 17: RSS flat across ${o.total} imported blocks, judged on the LMDB store, --db-path):`);
  const half = lmdb.filter((p) => p.blocks >= o.total / 2 && p.anon !== undefined);
  const perBlock = slope(half);
  if (perBlock === undefined) console.log("  no verdict: too few points (at least 2,000 blocks) or no /proc");
  else {
    const [mid, last] = [half[0]!, half[half.length - 1]!];
    console.log(
      `  LMDB store: anonymous RSS ${mb(mid.anon)} at ${mid.blocks} blocks -> ${mb(last.anon)} at ${last.blocks}, ` +
        `${(perBlock / 1024).toFixed(2)} KB a block (least squares over ${half.length} points): ` +
        `${perBlock < FLAT_BYTES_PER_BLOCK ? "flat" : "NOT flat"} (flat: under ${FLAT_BYTES_PER_BLOCK / 1024} KB a block ` +
        `over the second half; file-backed ${mb(mid.file)} -> ${mb(last.file)} is LMDB's map of the growing chain, ` +
        `pages the kernel drops at will, not judged)`,
    );
  }
  if (memoryLine) console.log(memoryLine);
}
