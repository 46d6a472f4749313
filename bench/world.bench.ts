/**
 * The world state's costs per block: `node --import tsx bench/world.bench.ts`. A state of 10k
 * accounts in the in-memory Kv; blocks of 5,000 value transfers (nonce, two balances, a fee to a
 * coinbase, a snapshot per transfer and one revert in ten), each block opened at the parent's root
 * over a shared TrieNodeCache, committed, and its batch stored.
 */
import { MemoryKvEnv } from "../src/backend/kv.ts";
import { TrieNodeCache } from "../src/backend/state/trie/index.ts";
import { WorldState } from "../src/backend/state/world-state.ts";

const QKC = 35760n;
const addr = (n: number) => {
  const a = new Uint8Array(20);
  new DataView(a.buffer).setUint32(16, n);
  return a;
};

const kv = new MemoryKvEnv().shard(0);
const nodeCache = new TrieNodeCache();
let state = WorldState.open(kv, undefined, { nodeCache });
let start = performance.now();
for (let i = 0; i < 10_000; i++) state.addBalance(addr(i + 1), QKC, 10n ** 18n);
let commit = state.commit();
kv.write(commit.writes);
console.log(`10k accounts: ${(performance.now() - start).toFixed(0)} ms, ${commit.writes.length} records`);

const TRANSFERS = 5_000;
for (let block = 0; block < 4; block++) {
  // Block 0 warms the JIT.
  start = performance.now();
  state = WorldState.open(kv, commit.root, { nodeCache });
  for (let i = 0; i < TRANSFERS; i++) {
    const from = addr(((i * 7919 + block) % 10_000) + 1);
    const to = addr(((i * 104_729 + 3) % 20_000) + 1);
    const snap = state.snapshot();
    state.setNonce(from, state.getNonce(from) + 1n);
    state.addBalance(from, QKC, -1000n);
    state.addBalance(to, QKC, 1000n);
    state.addBalance(addr(99_999), QKC, 21n);
    if (i % 10 === 0) state.revert(snap);
  }
  const executed = performance.now();
  commit = state.commit();
  const committed = performance.now();
  kv.write(commit.writes);
  const ms = executed - start;
  console.log(
    `[${block}] ${TRANSFERS} transfers ${ms.toFixed(0)} ms (${Math.round((TRANSFERS / ms) * 1000)}/s), ` +
      `commit ${(committed - executed).toFixed(0)} ms, ${commit.writes.length} records`,
  );
}
