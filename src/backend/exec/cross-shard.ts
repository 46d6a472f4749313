import type { EvmTransaction } from "../../tx/transaction.ts";

/**
 * transactions.py:Transaction.is_cross_shard: the chains differ, or the shard ids do (each key
 * masked by its chain's shard size). `shardSize` must know both chains (the block's branch check
 * has seen to the sender's; an unknown target chain is rejected before this).
 */
export function isCrossShard(
  tx: Pick<EvmTransaction, "from_full_shard_key" | "to_full_shard_key">,
  shardSize: (chainId: number) => number,
): boolean {
  const fromChain = tx.from_full_shard_key >>> 16;
  const toChain = tx.to_full_shard_key >>> 16;
  if (fromChain !== toChain) return true;
  return (tx.from_full_shard_key & (shardSize(fromChain) - 1)) !== (tx.to_full_shard_key & (shardSize(toChain) - 1));
}

/** isCrossShard with the chains' shard sizes from `rules` (no closure per call). */
export function isCrossShardIn(
  tx: Pick<EvmTransaction, "from_full_shard_key" | "to_full_shard_key">,
  rules: { shardSize(chainId: number): number },
): boolean {
  const fromChain = tx.from_full_shard_key >>> 16;
  const toChain = tx.to_full_shard_key >>> 16;
  if (fromChain !== toChain) return true;
  return (
    (tx.from_full_shard_key & (rules.shardSize(fromChain) - 1)) !==
    (tx.to_full_shard_key & (rules.shardSize(toChain) - 1))
  );
}
