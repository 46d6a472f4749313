/**
 * Workload (b)'s execution against the real world state: bench:exec's token transfer
 * (bench/exec/token.ts) through applyMessage + makeReceipt on a WorldState opened per block of 130
 * over an in-memory Kv (the token's storage trie holds 64 senders' and up to 4096 holders'
 * balances), the block committed, its records written and its nodes admitted to the shared node
 * cache, as a slave's import does. No signatures, no tx rules: the EVM, the storage reads, the
 * receipts and the storage commit. CPU time per transaction (all, and the txs + receipts without the
 * commit), min and median of 20 rounds of 10 blocks after 10 warm-up rounds; compare runs paired (before/after in the same minute).
 *
 *   npx tsx bench/evm/token-state.bench.ts
 */
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";
import { TrieNodeCache } from "../../src/backend/state/trie/index.ts";
import { encodeReceiptList, makeReceipt, type Receipt } from "../../src/backend/exec/receipt.ts";
import { blockEnv } from "../../harness/fake-world.ts";
import { senders, TOKEN, transferOnce } from "./token-call.ts";
import { balanceSlot, TOKEN_CODE } from "../exec/token.ts";

const NO_CODE = new Uint8Array(0);

const kv = new MemoryKvEnv().shard(0);
const nodeCache = new TrieNodeCache();
const genesis = WorldState.open(kv, undefined, { nodeCache });
genesis.setCode(TOKEN, TOKEN_CODE);
for (const s of senders) genesis.setStorage(TOKEN, BigInt(balanceSlot(s)), 10n ** 30n);
let { root, writes } = genesis.commit();
kv.write(writes);

const block = blockEnv();
const PER_BLOCK = 130;
const BLOCKS_PER_ROUND = 10;
let k = 0;
const perTx: number[] = [];
const execPerTx: number[] = [];
const cpuNow = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
for (let round = 0; round < 30; round++) {
  const c0 = cpuNow();
  let execUs = 0;
  for (let b = 0; b < BLOCKS_PER_ROUND; b++) {
    const e0 = cpuNow();
    const world = WorldState.open(kv, root, { nodeCache });
    const receipts: Receipt[] = [];
    for (let i = 0; i < PER_BLOCK; i++, k++) {
      const ex = transferOnce(world, block, k);
      receipts.push(makeReceipt(true, BigInt(30000 * (i + 1)), ex.effects.logs, NO_CODE, 0));
    }
    encodeReceiptList(receipts);
    execUs += cpuNow() - e0;
    const done = world.commit();
    kv.write(done.writes);
    nodeCache.admit(done.nodes);
    root = done.root;
  }
  if (round >= 10) {
    perTx.push(((cpuNow() - c0) * 1000) / (PER_BLOCK * BLOCKS_PER_ROUND));
    execPerTx.push((execUs * 1000) / (PER_BLOCK * BLOCKS_PER_ROUND));
  }
}
const stat = (xs: number[]) => {
  xs.sort((a, b) => a - b);
  return `min ${xs[0]!.toFixed(0)}, median ${xs[xs.length >> 1]!.toFixed(0)}`;
};
console.log(
  `token transfer on a WorldState, CPU ns/tx: all ${stat(perTx)}; the block's txs + receipts only ${stat(execPerTx)}`,
);
