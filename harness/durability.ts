import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { encode } from "../src/codec/index.ts";
import { type GetAccountDataRequest, GetTransactionReceiptResponse } from "../src/messages/cluster.ts";
import { MinorBlock, type RootBlock, typedTransactionHash } from "../src/messages/core.ts";
import { Daemon } from "./daemon.ts";
import {
  SHARD_A,
  SHARD_B,
  type Stream,
  accountEntry,
  blockOn,
  buildStream,
  clusterConfigJson,
} from "./durability-stream.ts";
import { nextRootBlock } from "./empty-blocks.ts";
import { checkStore } from "./durability-store.ts";
import { mulberry32 } from "./random.ts";
import { TestMaster } from "./test-master.ts";

/*
 * SIGKILL durability with --db-path: bin/slave.ts on a temp directory, driven over TCP as its
 * master with a stream of ADD_ROOT_BLOCK / ADD_MINOR_BLOCK (durability-stream.ts), killed at a
 * random moment, its store checked while it is down (durability-store.ts), restarted on the same
 * directory with the master's root tip and checked over the wire. As pyquarkchain's
 * init_from_root_block, the restarted slave stands at the blocks the root tip confirms; its
 * master shuts down when it loses a slave (master.py SlaveConnection.close), so the cluster goes
 * on from there: the slave must take a new block on each recovered tip, and a root block
 * confirming them. Each kill is one iteration, with its own directory and stream.
 */

export interface DurabilityOptions {
  /** Kills, each on its own stream, each restart checked and continued. */
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
  /** Streams the slave had answered to their end before the kill came. */
  completed: number;
  /** Steps the slave answered before its kills. */
  answered: number;
  /** Restarts that took a new block on each recovered tip and a root block confirming them. */
  continued: number;
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
  const report: DurabilityReport = {
    iterations: 0,
    streams: 0,
    completed: 0,
    answered: 0,
    continued: 0,
    failures: [],
  };
  while (report.iterations < opts.iterations && report.failures.length === 0) {
    const streamSeed = rng.u32();
    const delay = rng.u32() % (opts.maxDelayMs ?? 700);
    const stream = await buildStream(mulberry32(streamSeed), opts.blocks ?? 40);
    report.streams++;
    const dir = mkdtempSync(join(tmpdir(), "qkc-durable-"));
    const pos: Position = { acked: 0, sent: -1 }; // the first boot: the genesis root
    const at = () => `seed ${opts.seed} stream ${streamSeed} (killed ${delay} ms in, step ${pos.acked})`;
    const fail = (what: string) => report.failures.push(`${at()}: ${what}`);
    try {
      const configFile = join(dir, "cluster_config.json");
      writeFileSync(configFile, clusterConfigJson());
      const args = ["--cluster_config", configFile, "--node_id", "S0", "--db-path", join(dir, "db")];
      const first = await lifetime([...args, "--log-level", "info"], async (master, daemon) => {
        await master.ping(stream.genesisRoot);
        const done = await drive(stream, master, pos, delay, daemon);
        report.answered += pos.acked;
        if (done) report.completed++; // the kill comes after the stream's end
      });
      if (first) fail(first);
      if (report.failures.length > 0) break;
      report.iterations++;
      log(`iteration ${report.iterations}: killed after ${delay} ms at step ${pos.acked}/${stream.steps.length}`);
      for (const problem of await checkStore(stream, join(dir, "db"))) fail(`store after the kill: ${problem}`);
      if (report.failures.length > 0) break;
      const root = rootTipAt(stream, pos.sent);
      const second = await lifetime([...args, "--log-level", "info"], async (master) => {
        await master.ping(root);
        for (const problem of await checkRestart(stream, master, root)) fail(problem);
        if (report.failures.length > 0) return;
        for (const problem of await goOn(stream, master, root)) fail(`going on: ${problem}`);
        if (report.failures.length === 0) report.continued++;
      });
      if (second) fail(`after the restart: ${second}`);
    } finally {
      await stream.model.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return report;
}

/** Starts the slave, runs `body` as its master, then SIGKILLs it; what went wrong, or undefined. */
async function lifetime(
  args: string[],
  body: (master: TestMaster, daemon: Daemon) => Promise<void>,
): Promise<string | undefined> {
  const daemon = await Daemon.start(args);
  let stderr = "";
  daemon.child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const master = await TestMaster.dial(daemon.port);
  try {
    await body(master, daemon);
    return undefined;
  } catch (err) {
    daemon.child.kill("SIGKILL");
    const exit = await daemon.exited;
    const said = daemon.errors.map((e) => JSON.stringify(e)).join("; ") + stderr.slice(-2000);
    return `${(err as Error).message}; the slave ended by ${exit.signal ?? `exit ${exit.code}`}: ${said}`;
  } finally {
    master.destroy();
    daemon.child.kill("SIGKILL");
    await daemon.exited;
  }
}

/** The master's root tip: the last root block it had started to send (pyquarkchain's master adds it first). */
function rootTipAt(stream: Stream, sent: number): RootBlock {
  let root = stream.genesisRoot;
  for (const step of stream.steps.slice(0, sent + 1)) if (step.kind === "root") root = step.root;
  return root;
}

/** The height of the last block of `shard` that `root` (a root block of the stream) confirms; 0 (genesis) if none. */
function confirmedHeight(stream: Stream, shard: number, root: RootBlock): number {
  let height = 0;
  for (const step of stream.steps) {
    if (step.kind !== "root" || step.root.header.height > root.header.height) continue;
    for (const h of step.root.minor_block_header_list)
      if (h.branch.value === shard && Number(h.height) > height) height = Number(h.height);
  }
  return height;
}

/**
 * The cluster goes on from the confirmed tips: a new block on each shard's recovered tip (made by
 * the model, a transfer on SHARD_A) becomes that shard's tip, and a root block on the root tip
 * confirming them is taken and switched to.
 */
async function goOn(stream: Stream, master: TestMaster, root: RootBlock): Promise<string[]> {
  const problems: string[] = [];
  const next = nextRootBlock(root);
  for (const shard of [SHARD_A, SHARD_B]) {
    const chain = stream.chains.get(shard)!;
    const height = confirmedHeight(stream, shard, root);
    const block = blockOn(stream, shard, chain[height]!, root);
    const res = await master.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: encode(MinorBlock, block) });
    if (res.error_code !== 0) problems.push(`shard ${shard}: a new block on the tip answered ${res.error_code}`);
    const got = await master.call("GET_MINOR_BLOCK_REQUEST", {
      branch: { value: shard },
      minor_block_hash: new Uint8Array(32),
      height: BigInt(height + 1),
      need_extra_info: false,
    });
    if (got.error_code !== 0 || hexOf(encode(MinorBlock, got.minor_block)) !== hexOf(encode(MinorBlock, block)))
      problems.push(`shard ${shard}: the new block at height ${height + 1} did not become the tip`);
    // A root block confirms a shard from the block after its last confirmed one; the genesis root confirms none.
    const from = root.header.height === 0 ? 0 : height + 1;
    next.minor_block_header_list.push(...chain.slice(from, height + 1).map((b) => b.header), block.header);
    if (block.header.create_time >= next.header.create_time) next.header.create_time = block.header.create_time + 1n;
  }
  if (problems.length > 0) return problems;
  const res = await master.call("ADD_ROOT_BLOCK_REQUEST", { root_block: next, expect_switch: false });
  if (res.error_code !== 0 || !res.switched)
    problems.push(`a root block confirming the new blocks answered ${res.error_code} (switched ${res.switched})`);
  return problems;
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
 * What a restarted slave must answer, for each shard: as init_from_root_block, its tip is the last
 * block of that shard the root tip confirms (else genesis); every block up to it is served with its
 * transactions' receipts, nothing above it is canonical, and the accounts are the model's at it.
 */
async function checkRestart(stream: Stream, master: TestMaster, root: RootBlock): Promise<string[]> {
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
    const confirmed = confirmedHeight(stream, shard, root);
    if (Number(height) !== confirmed) {
      problems.push(`shard ${shard}: tip height ${height}, root tip ${root.header.height} confirms ${confirmed}`);
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

function tipHashOf(stream: Stream, shard: number, height: number): Uint8Array {
  const step = stream.steps.find(
    (s) => s.kind === "minor" && s.shard === shard && s.block.header.height === BigInt(height),
  );
  return step?.kind === "minor" ? step.hash : new Uint8Array(32);
}

export { SHARD_A, SHARD_B };
