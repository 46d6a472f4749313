/**
 * Workload (b)'s EVM share alone: bench:exec's token transfer (bench/exec/token.ts) run through
 * applyMessage against a world that answers at once (no trie, no journal), optionally with its receipt
 * (makeReceipt + a block's encodeReceiptList every 130). CPU time per transaction, steadier than wall
 * time on a shared machine; compare runs paired (before/after in the same minute).
 *
 *   npx tsx bench/evm/token-micro.bench.ts [--receipts]
 */
import { applyMessage } from "../../src/evm/apply.ts";
import { Execution } from "../../src/evm/execution.ts";
import { makeMessage } from "../../src/evm/message.ts";
import type { World } from "../../src/evm/world.ts";
import { encodeReceiptList, makeReceipt, type Receipt } from "../../src/backend/exec/receipt.ts";
import { blockEnv, QKC } from "../../harness/fake-world.ts";
import { TOKEN_CODE, transferCall } from "../exec/token.ts";

const TOKEN = new Uint8Array(20).fill(7);
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

// As bench:exec's (b): 64 senders, 4096 holders.
const senders = Array.from({ length: 64 }, (_, i) => Uint8Array.from([1, ...new Array<number>(18).fill(0), i]));
const calls = Array.from({ length: 4096 }, (_, i) =>
  transferCall(Uint8Array.from([2, ...new Array<number>(17).fill(0), i >> 8, i & 255]), 1n),
);
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
    const sender = senders[k & 63]!;
    const ex = new Execution(world, block, { origin: sender, gasPrice: 1n, chainId: 0 });
    const msg = makeMessage({
      sender,
      to: TOKEN,
      gas: 60000n,
      data: calls[k & 4095]!,
      transferTokenId: QKC,
      gasTokenId: QKC,
    });
    if (!applyMessage(ex, msg).success) throw new Error("the token transfer failed");
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
