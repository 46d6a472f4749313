/**
 * The token transfer the EVM benches run, as bench:exec's (b) makes it (bench/exec/token.ts): 64
 * senders, 4096 holders, transfer k from sender k mod 64 to holder k mod 4096.
 */
import { applyMessage } from "../../src/evm/apply.ts";
import type { BlockEnv } from "../../src/evm/env.ts";
import { Execution } from "../../src/evm/execution.ts";
import { makeMessage } from "../../src/evm/message.ts";
import type { World } from "../../src/evm/world.ts";
import { QKC } from "../../harness/fake-world.ts";
import { transferCall } from "../exec/token.ts";

export const TOKEN = new Uint8Array(20).fill(7);
export const senders = Array.from({ length: 64 }, (_, i) => Uint8Array.from([1, ...new Array<number>(18).fill(0), i]));
const calls = Array.from({ length: 4096 }, (_, i) =>
  transferCall(Uint8Array.from([2, ...new Array<number>(17).fill(0), i >> 8, i & 255]), 1n),
);

/** Runs transfer `k` on `world`; its Execution (for the receipt's logs). Throws if it fails. */
export function transferOnce(world: World, block: BlockEnv, k: number): Execution {
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
  return ex;
}
