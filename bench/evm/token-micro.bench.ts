/**
 * Workload (b)'s EVM share alone: bench:exec's token transfer (bench/exec/token.ts) run through
 * applyMessage against a world that answers at once (no trie, no journal), optionally with its receipt
 * (makeReceipt + a block's encodeReceiptList every 130). CPU time per transaction, steadier than wall
 * time on a shared machine; compare runs paired (before/after in the same minute).
 *
 *   npx tsx bench/evm/token-micro.bench.ts [--receipts]
 */
import type { World } from "../../src/evm/world.ts";
import { encodeReceiptList, makeReceipt, type Receipt } from "../../src/backend/exec/receipt.ts";
import { blockEnv } from "../../harness/fake-world.ts";
import { transferOnce } from "./token-call.ts";
import { TOKEN_CODE } from "../exec/token.ts";

const BALANCE = 10n ** 30n;
const NO_CODE = new Uint8Array(0);
const CODE_HASH = new Uint8Array(32).fill(3);
const world: World = {
  getBalance: () => BALANCE,
  addBalance: () => {},
  setBalance: () => {},
  getNonce: () => 0n,
  setNonce: () => {},
  getCode: (a) => (a[0] === 7 ? TOKEN_CODE : NO_CODE),
  getCodeHash: () => CODE_HASH,
  setCode: () => {},
  getStorage: () => BALANCE,
  setStorage: () => {},
  resetStorage: () => {},
  accountExists: () => true,
  deleteAccount: () => {},
  snapshot: () => 0,
  revert: () => {},
};

const block = blockEnv();
const withReceipts = process.argv.includes("--receipts");
const PER_BLOCK = 130;
const ROUND = PER_BLOCK * 20;

let k = 0;
const perTx: number[] = [];
for (let round = 0; round < 30; round++) {
  const c0 = process.cpuUsage();
  let receipts: Receipt[] = [];
  for (let i = 0; i < ROUND; i++, k++) {
    const ex = transferOnce(world, block, k);
    if (withReceipts) {
      receipts.push(makeReceipt(true, BigInt(30000 * (receipts.length + 1)), ex.effects.logs, NO_CODE, 0));
      if (receipts.length === PER_BLOCK) {
        encodeReceiptList(receipts);
        receipts = [];
      }
    }
  }
  const cpu = process.cpuUsage(c0);
  if (round >= 10) perTx.push(((cpu.user + cpu.system) * 1000) / ROUND); // the first rounds warm the JIT
}
perTx.sort((a, b) => a - b);
console.log(
  `token transfer through applyMessage${withReceipts ? " + receipt" : ""}, CPU ns/tx: ` +
    `min ${perTx[0]!.toFixed(0)}, median ${perTx[perTx.length >> 1]!.toFixed(0)}`,
);
