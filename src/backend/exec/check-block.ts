import { hex, sameBytes } from "../../codec/bytes.ts";
import type { MinorBlock, TokenBalanceMap } from "../../messages/core.ts";
import type { RunBlockResult } from "./run-block.ts";

/**
 * shard_state.py:add_block's seven checks of run_block's result against the block, in its order
 * and with its messages: the cursor, the state root, the receipt root, gas used, cross-shard
 * receive gas, the coinbase amounts (reward + fees), the bloom. The first that fails, or undefined.
 */
export function checkBlockResult(block: MinorBlock, run: RunBlockResult): string | undefined {
  const { meta, header } = block;
  const c = meta.xshard_tx_cursor_info;
  if (
    c.root_block_height !== run.cursor.root_block_height ||
    c.minor_block_index !== run.cursor.minor_block_index ||
    c.xshard_deposit_index !== run.cursor.xshard_deposit_index
  )
    return "Cross-shard transaction cursor info mismatches!";
  if (!sameBytes(meta.hash_evm_state_root, run.commit.root))
    return `state root mismatch: header ${hex(meta.hash_evm_state_root)} computed ${hex(run.commit.root)}`;
  if (!sameBytes(meta.hash_evm_receipt_root, run.receiptRoot))
    return `receipt root mismatch: header ${hex(meta.hash_evm_receipt_root)} computed ${hex(run.receiptRoot)}`;
  if (meta.evm_gas_used !== run.gasUsed)
    return `gas used mismatch: header ${meta.evm_gas_used} computed ${run.gasUsed}`;
  if (meta.evm_cross_shard_receive_gas_used !== run.xshardReceiveGasUsed)
    return `x-shard gas used mismatch: header ${meta.evm_cross_shard_receive_gas_used} computed ${run.xshardReceiveGasUsed}`;
  if (!sameAmounts(header.coinbase_amount_map, run.coinbaseAmounts)) return "coinbase reward incorrect";
  if (!sameBytes(bloomBytes(header.bloom), run.bloom)) return "bloom mismatch";
  return undefined;
}

/** TokenBalanceMap equality as pyquarkchain's dicts compare (a zero entry is never serialized). */
function sameAmounts(map: TokenBalanceMap, computed: ReadonlyMap<bigint, bigint>): boolean {
  const a = new Map(map.balance_map.filter(([, v]) => v !== 0n));
  const b = [...computed].filter(([, v]) => v !== 0n);
  return a.size === b.length && b.every(([k, v]) => a.get(k) === v);
}

/** The header's bloom (uint2048) as 256 big-endian bytes (one hex string, not a bigint per byte). */
function bloomBytes(bloom: bigint): Uint8Array {
  return Buffer.from(BigInt.asUintN(2048, bloom).toString(16).padStart(512, "0"), "hex");
}
