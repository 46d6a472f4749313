import type { ShardStats } from "../../messages/cluster.ts";
import type { ShardChain } from "./shard-chain.ts";

/** ShardState.get_shard_stats: the last minute of the tip's chain, with the pool's size. */
export function shardStats(chain: ShardChain, pendingTxCount: number): ShardStats {
  const tip = chain.headerTip;
  const cutoff = tip.create_time - 60n;
  let block = chain.tip;
  let txCount = 0;
  let blockCount = 0;
  let stale = 0;
  let lastBlockTime = 0n;
  while (block.header.height > 0n && block.header.create_time > cutoff) {
    txCount += block.tx_list.length;
    blockCount++;
    stale += Math.max(0, chain.blocksAtHeight(block.header.height) - 1);
    const prev = chain.byHash(block.header.hash_prev_minor_block);
    if (!prev) break;
    block = prev;
    if (lastBlockTime === 0n) lastBlockTime = tip.create_time - block.header.create_time;
  }
  return {
    branch: { value: chain.fullShardId },
    height: tip.height,
    difficulty: tip.difficulty,
    coinbase_address: tip.coinbase_address,
    timestamp: tip.create_time,
    tx_count60s: txCount,
    pending_tx_count: pendingTxCount,
    total_tx_count: chain.store.blockNote(chain.tipHash)?.total_tx_count ?? 0,
    block_count60s: blockCount,
    stale_block_count60s: stale,
    last_block_time: Number(lastBlockTime),
  };
}
