/**
 * npm run bench:sync — peer-triggered sync throughput (issue 16): a slave at its genesis is told
 * of a peer's tip and syncs the peer's chain of full transfer blocks (bench/exec/chain.ts's, ~285
 * transfers a block), walking the headers back and downloading the blocks as SyncTask does.
 * qkc-slave (bin/slave.ts) and pyquarkchain's real SlaveServer (py_real_slave.py) sync the same
 * chain from the same peer in the same run; the bench is their master and plays the peer over
 * the master's forwarded peer traffic (bench/sync/sync-run.ts).
 *
 *   npm run bench:sync [-- --blocks N]   blocks in the peer's chain (default 200)
 *                      [--no-py]         without pyquarkchain
 *                      [--profile]       + where qkc-slave's CPU goes during the sync (bench/sync/profile.ts)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ExecChain, SHARD0, clusterConfigFile } from "../exec/chain.ts";
import {
  type Target,
  findInterop,
  freePort,
  startPyquarkchainFromConfig,
  startQkcSlaveFromConfig,
} from "../load/targets.ts";
import { flag, num, uptime } from "../args.ts";
import { verdict } from "../exec/verdict.ts";
import { syncProfile } from "./profile.ts";
import { type SyncTimed, syncRun } from "./sync-run.ts";

const BLOCKS = num("--blocks", 200);
/** Issue 16: sync 5x as fast as pyquarkchain. */
const TARGET = 5;
const perSec = (n: number, ms: number) => (n * 1000) / ms;
const f0 = (x: number) => Math.round(x).toLocaleString("en-US");
const f1 = (x: number) => x.toFixed(2);

async function measure(name: string, start: (port: number) => Promise<Target>, chain: ExecChain): Promise<SyncTimed> {
  const port = await freePort();
  const target = await start(port);
  const t0 = performance.now();
  try {
    const timed = await syncRun(target, chain, SHARD0, (n) =>
      console.log(`  ${name}: ${n} blocks (${((performance.now() - t0) / 1000).toFixed(0)} s)`),
    );
    return timed;
  } finally {
    await target.stop(2000);
  }
}

async function main(dir: string): Promise<void> {
  console.log(`building the peer's chain: ${BLOCKS} full blocks of QKC transfers ...`);
  const t0 = performance.now();
  const chain = await ExecChain.create();
  await chain.add("transfer", BLOCKS);
  console.log(`  built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const profDir = join(dir, "prof");
  if (flag("--profile"))
    process.env["BENCH_SLAVE_NODE_ARGS"] =
      `${process.env["BENCH_SLAVE_NODE_ARGS"] ?? ""} --cpu-prof --cpu-prof-dir=${profDir}`;
  console.log(`qkc-slave syncing ...  (${uptime()})`);
  const qkc = await measure(
    "qkc-slave",
    (port) => startQkcSlaveFromConfig(clusterConfigFile(dir, chain, port, "qkc"), port),
    chain,
  );
  let py: SyncTimed | undefined;
  const interop = flag("--no-py") ? "--no-py given" : findInterop();
  if (typeof interop === "string") {
    console.log(`pyquarkchain column skipped: ${interop}`);
  } else {
    console.log(`pyquarkchain syncing ...  (${uptime()})`);
    py = await measure(
      "pyquarkchain",
      (port) => startPyquarkchainFromConfig(interop, clusterConfigFile(dir, chain, port, "py"), port),
      chain,
    );
  }

  console.log(`\npeer-triggered sync of ${BLOCKS} full blocks from one peer, over TCP (${uptime()})`);
  console.log("  rates by wall time, and [by the syncing process's CPU time], steadier on a busy machine");
  const row = (name: string, t: SyncTimed) =>
    `  ${name.padEnd(13)} ${f1(perSec(t.blocks, t.ms)).padStart(8)} [${f1(perSec(t.blocks, t.cpuMs))}] blk/s` +
    `  ${f0(perSec(t.txs, t.ms)).padStart(6)} [${f0(perSec(t.txs, t.cpuMs))}] tx/s` +
    `  ${(t.ms / 1000).toFixed(1)} s wall, ${(t.cpuMs / 1000).toFixed(1)} s CPU; the peer's answers ${(t.peerMs / 1000).toFixed(1)} s` +
    `  (${[...t.requests].map(([n, c]) => `${c} ${n.replace(/_REQUEST$/, "")}`).join(", ")})`;
  console.log(row("qkc-slave", qkc));
  if (py) console.log(row("pyquarkchain", py));
  console.log(`  ${(qkc.txs / qkc.blocks).toFixed(0)} transfers a block`);
  if (flag("--profile")) {
    const { parts, sampledMs } = syncProfile(profDir);
    console.log(
      `\nqkc-slave's CPU during the sync, by part (V8 --cpu-prof, ${(sampledMs / 1000).toFixed(1)} s sampled):`,
    );
    for (const [name, ms] of parts)
      console.log(
        `  ${name.padEnd(48)} ${((100 * ms) / sampledMs).toFixed(1).padStart(5)}%  ${(ms / 1000).toFixed(2)} s`,
      );
  }
  if (py) {
    const wall = py.ms / qkc.ms;
    const cpu = py.cpuMs / qkc.cpuMs;
    console.log(`\ntarget (issue 16: sync ${TARGET}x as fast as pyquarkchain):`);
    console.log("  " + verdict("qkc/py", wall, cpu, TARGET, (x) => `${x.toFixed(1)}x`));
  }
}

const dir = mkdtempSync(join(tmpdir(), "bench-sync-"));
try {
  await main(dir); // a missed target is reported, not failed: the figures are the point
} catch (err) {
  console.error(`bench:sync failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
