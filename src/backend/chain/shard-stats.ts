import type { ShardStats } from "../../messages/cluster.ts";
import { minorBlockHash } from "./hashes.ts";
import type { ShardChain } from "./shard-chain.ts";

/** ShardState.get_shard_stats: the last minute of the tip's chain, with the pool's size. */
export function shardStats(chain: ShardChain, pendingTxCount: number): ShardStats {
  const tip = chain.headerTip;
  const cutoff = tip.create_time - 60n;
  // A block's transaction count is its note's running total less its parent's: the walk reads
  // headers and notes, not the blocks (a full block would be decoded again once out of the cache).
  const totalAt = (hash: Uint8Array) => chain.store.blockNote(hash)?.total_tx_count;
  let header = tip;
  let total = totalAt(chain.tipHash);
  let txCount = 0;
  let blockCount = 0;
  let stale = 0;
  let lastBlockTime = 0n;
  while (header.height > 0n && header.create_time > cutoff) {
    const prevTotal = totalAt(header.hash_prev_minor_block);
    txCount +=
      total !== undefined && prevTotal !== undefined
        ? total - prevTotal
        : (chain.byHash(minorBlockHash(header))?.tx_list.length ?? 0);
    blockCount++;
    stale += Math.max(0, chain.blocksAtHeight(header.height) - 1);
    const prev = chain.header(header.hash_prev_minor_block);
    if (!prev) break;
    header = prev;
    total = prevTotal;
    if (lastBlockTime === 0n) lastBlockTime = tip.create_time - header.create_time;
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
