import type { World } from "../../evm/world.ts";
import { splitRefund } from "./fee.ts";

const ZERO_ADDRESS = new Uint8Array(20);

/**
 * messages.py:_refund: refund_percent% of `total` back to the sender (a zero credit still touches
 * it), the rest credited to the zero address, pyquarkchain's "burn", which shows in the state root.
 */
export function refundGas(
  world: World,
  sender: Uint8Array,
  gasTokenId: bigint,
  total: bigint,
  refundPercent: bigint,
): void {
  const { toSender, toBurn } = splitRefund(total, refundPercent);
  world.addBalance(sender, gasTokenId, toSender);
  if (toBurn !== 0n) world.addBalance(ZERO_ADDRESS, gasTokenId, toBurn);
}
