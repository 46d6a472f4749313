import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { encode } from "../src/codec/index.ts";
import { type GetAccountDataRequest, GetTransactionReceiptResponse } from "../src/messages/cluster.ts";
import { MinorBlock, type RootBlock, typedTransactionHash } from "../src/messages/core.ts";
import { Daemon } from "./daemon.ts";
import { SHARD_A, SHARD_B, type Stream, accountEntry, buildStream, clusterConfigJson } from "./durability-stream.ts";
import { checkStore } from "./durability-store.ts";
import { mulberry32 } from "./random.ts";
import { TestMaster } from "./test-master.ts";

/*
 * SIGKILL durability with --db-path: bin/slave.ts on a temp directory, driven over TCP as its
 * master with a stream of ADD_ROOT_BLOCK / ADD_MINOR_BLOCK (durability-stream.ts), killed at a
 * random moment, its store checked while it is down (durability-store.ts), restarted on the same
 * directory and checked over the wire, then driven on from where the master stood. Each kill is
 * one iteration; a stream driven to its end starts a new directory.
 */

export interface DurabilityOptions {
  /** Kills (each a restart checked); then the stream under way is driven to its end. */
  iterations: number;
  seed: number;
  /** Minor blocks per stream (default 40). */
  blocks?: number;
  /** The longest wait before a kill, in ms (default 700). */
  maxDelayMs?: number;
  log?: (line: string) => void;
}

export interface DurabilityReport {
  iterations: number;
  streams: number;
  /** Streams driven to their end (the last one always is, after the kills), the tips checked there. */
  completed: number;
  /** Steps the slave answered, over every lifetime. */
  answered: number;
  /** One line per violated guarantee; empty when every check held. */
  failures: string[];
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Where the master stands: steps[0, acked) answered; `sent` the last one it started to send (-1: none). */
interface Position {
  acked: number;
  sent: number;
}

export async function runDurability(opts: DurabilityOptions): Promise<DurabilityReport> {
  const log = opts.log ?? (() => {});
  const rng = mulberry32(opts.seed);
  const report: DurabilityReport = { iterations: 0, streams: 0, completed: 0, answered: 0, failures: [] };
  while (report.iterations < opts.iterations && report.failures.length === 0) {
    const streamSeed = rng.u32();
    const stream = await buildStream(mulberry32(streamSeed), opts.blocks ?? 40);
    report.streams++;
    const dir = mkdtempSync(join(tmpdir(), "qkc-durable-"));
    try {
      const configFile = join(dir, "cluster_config.json");
      writeFileSync(configFile, clusterConfigJson());
      const args = [
        "--cluster_config",
        configFile,
        "--node_id",
        "S0",
        "--db-path",
        join(dir, "db"),
        "--log-level",
        "info",
      ];
      const pos: Position = { acked: 0, sent: -1 }; // the first boot: the genesis root
      let delay = 0;
      for (let kill = 0; report.failures.length === 0; kill++) {
        const at = `seed ${opts.seed} stream ${streamSeed} restart ${kill} (killed ${delay} ms in, step ${pos.acked})`;
        const fail = (what: string) => report.failures.push(`${at}: ${what}`);
        // Once the kills are done, the stream is driven to its end and checked there.
        delay = report.iterations < opts.iterations ? rng.u32() % (opts.maxDelayMs ?? 700) : Infinity;
        const daemon = await Daemon.start(args);
        let stderr = "";
        daemon.child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
        const master = await TestMaster.dial(daemon.port);
        try {
          await master.ping(rootTipAt(stream, pos.sent));
          if (kill > 0) {
            for (const problem of await checkRestart(stream, master, pos)) fail(problem);
            if (report.failures.length > 0) break;
          }
          const from = pos.acked;
          const done = await drive(stream, master, pos, delay, daemon);
          report.answered += pos.acked - from;
          if (done) {
            for (const problem of await checkRestart(stream, master, pos)) fail(`at the stream's end: ${problem}`);
            report.completed++;
            break;
          }
          report.iterations++;
          log(`iteration ${report.iterations}: killed after ${delay} ms at step ${pos.acked}/${stream.steps.length}`);
          for (const problem of await checkStore(stream, join(dir, "db"))) fail(`store after the kill: ${problem}`);
        } catch (err) {
          daemon.child.kill("SIGKILL");
          const exit = await daemon.exited;
          const said = daemon.errors.map((e) => JSON.stringify(e)).join("; ") + stderr.slice(-2000);
          fail(`${(err as Error).message}; the slave ended by ${exit.signal ?? `exit ${exit.code}`}: ${said}`);
        } finally {
          master.destroy();
          daemon.child.kill("SIGKILL");
          await daemon.exited;
        }
      }
    } finally {
      await stream.model.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return report;
}

/** The master's root tip: the last root block it had started to send (pyquarkchain's master adds it first). */
function rootTipAt(stream: Stream, sent: number): RootBlock {
  let root = stream.genesisRoot;
  for (const step of stream.steps.slice(0, sent + 1)) if (step.kind === "root") root = step.root;
  return root;
}

/**
 * Sends the steps from the first one not answered, each after the last, and SIGKILLs the slave
 * `delayMs` after starting. True when the stream ran out first.
 */
async function drive(stream: Stream, master: TestMaster, pos: Position, delayMs: number, daemon: Daemon) {
  let killed = false;
  const stop = new AbortController();
  if (delayMs !== Infinity)
    void sleep(delayMs, undefined, { signal: stop.signal }).then(
      () => {
        killed = true;
        daemon.child.kill("SIGKILL");
      },
      () => {}, // the stream ran out first
    );
  try {
    for (; pos.acked < stream.steps.length; pos.acked++) {
      const step = stream.steps[pos.acked]!;
      pos.sent = pos.acked;
      const res =
        step.kind === "root"
          ? await master.call("ADD_ROOT_BLOCK_REQUEST", { root_block: step.root, expect_switch: false })
          : await master.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: encode(MinorBlock, step.block) });
      if (res.error_code !== 0)
        throw new Error(`step ${pos.acked} (${step.kind}) answered error_code ${res.error_code}`);
    }
    stop.abort();
    return true;
  } catch (err) {
    if (killed) return false;
    stop.abort();
    throw err;
  }
}

/**
 * What a restarted slave must answer, for each shard: its tip is the last block of that shard the
 * master had an answer for, or the one in flight; every block up to it is served with its
 * transactions' receipts, nothing above it is canonical, and the accounts are the model's at it.
 */
async function checkRestart(stream: Stream, master: TestMaster, pos: Position): Promise<string[]> {
  const problems: string[] = [];
  const eco = await master.call("GET_ECO_INFO_LIST_REQUEST", {});
  for (const shard of [SHARD_A, SHARD_B]) {
    const chain = stream.chains.get(shard)!;
    // EcoInfo.height is the height of the next block to mine: the tip's plus one.
    const next = eco.eco_info_list.find((e) => e.branch.value === shard)?.height;
    const height = next === undefined ? undefined : next - 1n;
    if (height === undefined) {
      problems.push(`shard ${shard} is not served`);
      continue;
    }
    const allowed = tipHeights(stream, shard, pos);
    if (!allowed.includes(Number(height))) {
      problems.push(`shard ${shard}: tip height ${height}, the master expects one of ${allowed.join(", ")}`);
      continue;
    }
    for (let h = 0n; h <= height + 1n; h++) {
      const res = await master.call("GET_MINOR_BLOCK_REQUEST", {
        branch: { value: shard },
        minor_block_hash: new Uint8Array(32),
        height: h,
        need_extra_info: false,
      });
      if (h > height) {
        if (res.error_code === 0) problems.push(`shard ${shard}: height ${h} above the tip is canonical`);
        continue;
      }
      const want = chain[Number(h)]!;
      if (res.error_code !== 0 || hexOf(encode(MinorBlock, res.minor_block)) !== hexOf(encode(MinorBlock, want))) {
        problems.push(`shard ${shard}: the block at height ${h} is not the one sent`);
        break;
      }
      for (const tx of want.tx_list) {
        const hash = typedTransactionHash(tx);
        const got = await master.call("GET_TRANSACTION_RECEIPT_REQUEST", { tx_hash: hash, branch: { value: shard } });
        if (hexOf(encode(GetTransactionReceiptResponse, got)) !== stream.receipts.get(hexOf(hash)))
          problems.push(
            `shard ${shard}: receipt of tx ${hexOf(hash)} at height ${h} differs (error_code ${got.error_code})`,
          );
      }
    }
    const tip = chain[Number(height)]!;
    const expected = stream.expected.get(hexOf(tipHashOf(stream, shard, Number(height))));
    if (expected === undefined) continue; // a genesis tip: nothing was sent yet
    for (const address of stream.addresses) {
      const ask = (req: GetAccountDataRequest) => master.call("GET_ACCOUNT_DATA_REQUEST", req);
      const got = await accountEntry(ask, shard, address).catch((e: Error) => e.message);
      if (got !== expected.accounts.get(hexOf(address.recipient)))
        problems.push(`shard ${shard}: account ${hexOf(address.recipient)} at height ${tip.header.height} differs`);
    }
  }
  return problems;
}

/** Heights the tip of `shard` may have after a restart: its last block answered, or the one in flight. */
function tipHeights(stream: Stream, shard: number, pos: Position): number[] {
  const heightAfter = (n: number) => {
    let h = 0;
    for (const step of stream.steps.slice(0, n)) if (step.kind === "minor" && step.shard === shard) h++;
    return h;
  };
  const out = [heightAfter(pos.acked)];
  const inFlight = stream.steps[pos.sent];
  if (pos.sent === pos.acked && inFlight?.kind === "minor" && inFlight.shard === shard) out.push(out[0]! + 1);
  return out;
}

function tipHashOf(stream: Stream, shard: number, height: number): Uint8Array {
  const step = stream.steps.find(
    (s) => s.kind === "minor" && s.shard === shard && s.block.header.height === BigInt(height),
  );
  return step?.kind === "minor" ? step.hash : new Uint8Array(32);
}

export { SHARD_A, SHARD_B };
