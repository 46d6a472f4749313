import type { Address } from "../../messages/core.ts";
import type { EvmTransaction } from "../../tx/transaction.ts";
import type { CallState } from "./call-state.ts";
import { isCrossShard } from "./cross-shard.ts";
import { runCall } from "./execute-tx.ts";

/** transactions.py: the intrinsic gas of a plain transfer, where the search starts. */
const GTXCOST = 21000n;

/**
 * shard_state.py:estimate_gas: the least gas in (20999, cap] with which the transaction succeeds,
 * by go-ethereum's binary search over runCall on the tip's state. The cap is the transaction's
 * startgas when above 21000, else state.gas_limit. Undefined when it does not succeed at the cap.
 * `fullShardId` is the shard it runs on: a cross-shard transaction *into* it is simulated as its
 * deposit, the value and `price × gas` credited to from_address first.
 */
export function estimateGas(
  state: CallState,
  tx: EvmTransaction,
  from: Address,
  fullShardId: number,
): bigint | undefined {
  let lo = GTXCOST - 1n;
  let hi = tx.startgas > GTXCOST ? tx.startgas : state.block.gasLimit;
  const cap = hi;
  const intoThisShard =
    isCrossShard(tx, (chain) => state.rules.shardSize(chain)) &&
    state.txRules.fullShardIdOf(tx.to_full_shard_key) === fullShardId;
  const succeeds = (gas: bigint): boolean =>
    runCall(state, tx, from, gas, (world) => {
      if (!intoThisShard) return;
      world.addBalance(from.recipient, tx.transfer_token_id, tx.value);
      world.addBalance(from.recipient, tx.gas_token_id, tx.gasprice * gas);
    }).ok;

  while (lo + 1n < hi) {
    const mid = (lo + hi) / 2n;
    if (succeeds(mid)) hi = mid;
    else lo = mid;
  }
  if (hi === cap && !succeeds(hi)) return undefined;
  return hi;
}
