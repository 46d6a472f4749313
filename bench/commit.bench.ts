/**
 * WorldState.commit alone, in the shapes of bench:exec's workloads: `node --import tsx
 * bench/commit.bench.ts [blocks]`. (a): 64 senders (nonce, balance), 285 new recipients and a
 * coinbase a block over a state of 30k accounts; (b): the same senders and coinbase, and ~190
 * storage slots of one contract set (of 4,160 held). Each block is opened at the parent's root
 * over a shared TrieNodeCache, committed, its batch stored and its nodes admitted, as the daemon
 * does. Prints the 10th percentile, median and mean wall and the mean CPU time of commit() per block (after 8 warm-up blocks) and the
 * state roots' digest, so a change can be checked for the same roots.
 */
import { createHash } from "node:crypto";
import { MemoryKvEnv } from "../src/backend/kv.ts";
import { TrieNodeCache } from "../src/backend/state/trie/index.ts";
import { WorldState } from "../src/backend/state/world-state.ts";
import { keccak256 } from "../src/crypto/keccak.ts";

const QKC = 35760n;
const addr = (tag: number, n: number) => {
  const a = keccak256(Uint8Array.of(tag, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)).slice(12);
  return a;
};
const slot = (n: number) => BigInt("0x" + Buffer.from(keccak256(Uint8Array.of(9, n >>> 8, n & 0xff))).toString("hex"));

const BLOCKS = Number(process.argv[2] ?? 40);
const WARM = 8;
const SENDERS = 64;
const TOKEN = addr(7, 0);
const COINBASE = addr(8, 0);

/** The q-quantile of the per-block times (the low ones are the least disturbed by a busy machine). */
const at = (xs: number[], q: number) => xs.sort((x, y) => x - y)[Math.floor(xs.length * q)]!.toFixed(3);

/** A block's commit (a function of its own: a profile tells it from the set-up's). */
function blockCommit(state: WorldState) {
  return state.commit();
}

function run(workload: "a" | "b"): void {
  const kv = new MemoryKvEnv().shard(0);
  const nodeCache = new TrieNodeCache();
  let state = WorldState.open(kv, undefined, { nodeCache });
  for (let i = 0; i < 30_000; i++) state.addBalance(addr(1, i), QKC, 10n ** 18n);
  for (let i = 0; i < SENDERS; i++) state.addBalance(addr(2, i), QKC, 10n ** 20n);
  for (let i = 0; i < 4160; i++) state.setStorage(TOKEN, slot(i), BigInt(i + 1) * 10n ** 18n);
  state.setCode(TOKEN, Uint8Array.of(0x60, 0x00));
  let commit = state.commit();
  kv.write(commit.writes);
  nodeCache.admit(commit.nodes);
  const digest = createHash("sha256");
  let wall = 0;
  let cpu = 0;
  let records = 0;
  const walls: number[] = [];
  let next = 0;
  for (let block = 0; block < BLOCKS + WARM; block++) {
    state = WorldState.open(kv, commit.root, { nodeCache });
    const txs = workload === "a" ? 285 : 156;
    for (let i = 0; i < txs; i++) {
      const from = addr(2, i % SENDERS);
      state.setNonce(from, state.getNonce(from) + 1n);
      state.addBalance(from, QKC, -21_000n);
      state.addBalance(COINBASE, QKC, 21_000n);
      if (workload === "a") state.addBalance(addr(3, next++), QKC, 1n);
      else {
        // A token transfer: the sender's slot (64) down, a holder's (4,096) up; some holders twice.
        const k = (next++ * 7919) % 4096;
        const s = slot(4096 + (i % SENDERS));
        state.setStorage(TOKEN, s, state.getStorage(TOKEN, s) - 1n);
        state.setStorage(TOKEN, slot(k), state.getStorage(TOKEN, slot(k)) + 1n);
      }
    }
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    commit = blockCommit(state);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    kv.write(commit.writes);
    nodeCache.admit(commit.nodes);
    digest.update(commit.root);
    if (block >= WARM) {
      wall += t1 - t0;
      walls.push(t1 - t0);
      cpu += (c1.user + c1.system) / 1000;
      records += commit.writes.length;
    }
  }
  console.log(
    `(${workload}) commit: p10 ${at(walls, 0.1)} ms, median ${at(walls, 0.5)} ms, ` +
      `mean ${(wall / BLOCKS).toFixed(3)} ms wall, ${(cpu / BLOCKS).toFixed(3)} ms CPU a block; ` +
      `${Math.round(records / BLOCKS)} records; roots ${digest.digest("hex").slice(0, 16)}`,
  );
}

const only = process.argv[3];
if (only !== "b") run("a");
if (only !== "a") run("b");
