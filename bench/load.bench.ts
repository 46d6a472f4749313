/**
 * Load bench: a load generator written on our codec (bench/load/conn.ts) drives a running
 * slave over 127.0.0.1, one process per slave, and prints figures only (no pass/fail):
 *
 *   qkc-slave     bin/slave.ts as a child process (`node --import tsx`, default options);
 *   ideal         bench/ideal-slave.ts: answers every request with op + 1, the same rpc id and
 *                 qkc-slave's answer bytes, decoding nothing: the ceiling of client + loopback;
 *   pyquarkchain  its real SlaveServer (../shared/interop run.sh py_real_slave.py), when the
 *                 interop env is set up; then also the interop `flood` sub-command.
 *
 * Every figure is the median of BENCH_RUNS runs (default 5) of BENCH_RUN_MS (default 600 ms)
 * after one warm-up run. qkc-slave and the ideal are up side by side and their runs alternate
 * (qkc, ideal, qkc, ...): on a shared machine whose speed drifts from minute to minute, the
 * qkc/ideal ratio then compares like with like. The slave's CPU time and peak RSS come from
 * /proc per run.
 *
 * `fanout` (bench/load/fanout.ts) runs each slave again as shard 1 of a 4-chain network, the
 * sending end of the xshard fan-out: the bench plays the master and 3 sibling stand-ins, and
 * submits chained empty blocks (ADD_MINOR_BLOCK); each costs the slave 3 ADD_XSHARD_TX_LIST
 * and one ADD_MINOR_BLOCK_HEADER round trip. Blocks are used up, so those runs are bounded by
 * a block count sized from the warm-up to last about BENCH_RUN_MS, and rates are over the time
 * measured. The stand-ins count the lists: 3 per block or the bench fails.
 *
 * Knobs (environment): BENCH_RUNS, BENCH_RUN_MS; BENCH_WORKLOADS=eco1,eco64,...,fanout (keys below);
 * BENCH_TARGETS=ideal,py,flood (what runs besides qkc-slave; default all); BENCH_RSS_RPCS
 * (default 1000000, 0 skips); BENCH_SLAVE_NODE_ARGS (node options for qkc-slave, e.g. --cpu-prof).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { FanoutChain } from "./load/fanout-chain.ts";
import { FANOUT_NETWORK } from "./load/fanout.ts";
import { benchFanout, pyBlockOne } from "./load/fanout-runs.ts";
import { type FloodResult, flood } from "./load/flood.ts";
import { RSS_RPCS, RUNS, RUN_MS, WARMUP_MS, fanoutSelected, targets } from "./load/knobs.ts";
import { type Kind, type Results, measureInterleaved, prepareAll } from "./load/measure.ts";
import { printFanout, printFloods, printTables } from "./load/report.ts";
import { rssAfterMillion } from "./load/rss.ts";
import { P2P_BRANCH, PEER_ID, SIBLINGS, type Session, closeSession, openSession } from "./load/session.ts";
import { type Target, findInterop, startIdealSlave, startPyquarkchain, startQkcSlave } from "./load/targets.ts";
import { BLOCKS_PER_LIST, workloads } from "./load/workloads.ts";

/** Every workload on one slave of its own (pyquarkchain: far slower, it is not interleaved). */
async function benchTarget(kind: Kind, target: Target, results: Results, notes: string[]): Promise<Session> {
  const s = await openSession(target);
  await measureInterleaved([await prepareAll(kind, s)], results, notes);
  return s;
}

/** Runs `fn` on a freshly started slave and always stops it; a failure becomes a note, not a crash. */
async function withTarget<T>(
  start: () => Promise<Target>,
  fn: (t: Target) => Promise<T>,
  notes: string[],
  what: string,
): Promise<T | undefined> {
  let target: Target | undefined;
  try {
    target = await start();
    return await fn(target);
  } catch (err) {
    notes.push(`${what}: not measured (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
    return undefined;
  } finally {
    await target?.stop(2000);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(
    `qkc-slave load bench — node ${process.version}, ${RUNS} runs of ${RUN_MS} ms per figure (+ ${WARMUP_MS} ms warm-up), 127.0.0.1`,
  );
  if (workloads.length > 0)
    console.log(
      `  Master RPCs on the master link (cluster_peer_id 0); p2p frames forwarded as the master does (branch 0x${P2P_BRANCH.toString(16)}, ` +
        `cluster_peer_id ${PEER_ID}) to the slave's PeerConn;\n  xshard lists sent to the slave by ${SIBLINGS} dialing siblings ` +
        `(the slave as the receiving end of the fan-out). The backend (in memory) has genesis blocks only:\n  GET_MINOR_BLOCK asks height 0 ` +
        `(a ~700-byte block); the block-sized answer is GET_MINOR_BLOCK_LIST of ${BLOCKS_PER_LIST} x the genesis block.`,
    );
  if (fanoutSelected)
    console.log(
      `  fanout: the slave as the sending end, shard 1 of ${FANOUT_NETWORK.chainSize} chains x 1 shard; the bench is its master and ` +
        `${SIBLINGS} sibling stand-ins (one per other chain)
  and submits chained empty blocks (ADD_MINOR_BLOCK on root block 1); ` +
        `per block the slave sends ADD_XSHARD_TX_LIST to each sibling,
  then ADD_MINOR_BLOCK_HEADER to the master, then answers.`,
    );
  const interop = findInterop();
  const results: Results = new Map();
  const notes: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "qkc-bench-"));
  try {
    console.log("\nRunning:");
    let chain: FanoutChain | undefined;
    if (fanoutSelected) {
      const usePy = typeof interop !== "string" && targets.has("py");
      chain = await FanoutChain.create(usePy ? pyBlockOne(interop) : undefined).catch(async (err: unknown) => {
        notes.push(`fanout: block 1 from pyquarkchain failed (${String(err).split("\n")[0]}): ours, qkc-slave only`);
        return FanoutChain.create();
      });
    }
    const fanoutReplies = join(tmp, "fanout-replies.json");
    let rssLines: string[] = [];
    if (workloads.length > 0 || RSS_RPCS > 0) {
      // qkc-slave and the ideal side by side, their runs interleaved; qkc-slave's failure is the bench's.
      const qkc = await startQkcSlave();
      let ideal: Target | undefined;
      try {
        const qs = await openSession(qkc);
        const contenders = [await prepareAll("qkc", qs)];
        if (targets.has("ideal") && workloads.length > 0) {
          // The ideal replays qkc-slave's answers (the same bytes on the wire, no work), as recorded by its preparation.
          const replies: Record<string, string> = {};
          for (const c of [qs.master, ...qs.siblings]) for (const [op, p] of c.samples) replies[op] = p.toString("hex");
          const repliesFile = join(tmp, "replies.json");
          writeFileSync(repliesFile, JSON.stringify(replies));
          try {
            ideal = await startIdealSlave(repliesFile);
            contenders.push(await prepareAll("ideal", await openSession(ideal)));
          } catch (err) {
            notes.push(`ideal: not measured (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
          }
        }
        await measureInterleaved(contenders, results, notes);
        if (RSS_RPCS > 0) rssLines = await rssAfterMillion(qs);
        for (const c of contenders) await closeSession(c.s);
      } finally {
        await ideal?.stop(2000);
        await qkc.stop(2000);
      }
    }
    if (chain) {
      const qkc = await startQkcSlave(FANOUT_NETWORK);
      try {
        const fs = await benchFanout("qkc", qkc, chain, results);
        writeFileSync(fanoutReplies, JSON.stringify(fs.replies()));
        fs.close();
      } finally {
        await qkc.stop(2000);
      }
    }
    if (targets.has("ideal") && chain) {
      const fan = async (t: Target): Promise<void> => (await benchFanout("ideal", t, chain, results)).close();
      await withTarget(() => startIdealSlave(fanoutReplies), fan, notes, "ideal fanout");
    }
    let floods: { qkc: FloodResult[]; py: FloodResult[] } | undefined;
    if (typeof interop === "string") notes.push(`pyquarkchain: not measured: ${interop}`);
    else {
      if (targets.has("py")) {
        const run = async (t: Target): Promise<void> => closeSession(await benchTarget("py", t, results, notes));
        const fan = async (t: Target): Promise<void> => (await benchFanout("py", t, chain!, results)).close();
        if (chain?.pyBlockOne)
          await withTarget(() => startPyquarkchain(interop, FANOUT_NETWORK), fan, notes, "pyquarkchain fanout");
        if (workloads.length > 0) await withTarget(() => startPyquarkchain(interop), run, notes, "pyquarkchain");
        if (workloads.length > 0)
          notes.push(
            `pyquarkchain: its real SlaveServer (in-memory DB) via ${interop.runSh} py_real_slave.py. NEW_TRANSACTION_LIST ` +
              `carries network_id 1 transactions:\n  pyquarkchain hashes, RLP-decodes and rejects each (its NETWORK_ID is 3; a ` +
              `valid one would also cost a signature recovery);\n  qkc-slave does the same checks in the same order (hash, RLP decode, network id) and recovers no sender either.`,
          );
      }
      if (targets.has("flood")) {
        // pyquarkchain's own client against both slaves: the interop flood sub-command.
        const pyFlood = await withTarget(
          () => startPyquarkchain(interop),
          (t) => flood(interop, t.port),
          notes,
          "flood/py",
        );
        const qFlood = await withTarget(startQkcSlave, (t) => flood(interop, t.port), notes, "flood/qkc");
        if (pyFlood && qFlood) floods = { qkc: qFlood, py: pyFlood };
      }
    }
    if (workloads.length > 0) printTables(results);
    if (chain) printFanout(results);
    for (const l of rssLines) console.log(l);
    if (floods) printFloods(floods);
    if (notes.length) console.log(`\n${notes.join("\n")}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\ntotal load bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
