import { sameBytes } from "../../codec/bytes.ts";
import type { MinorBlockHeader } from "../../messages/core.ts";
import type { ShardStats } from "../../messages/cluster.ts";
import { minorBlockHash } from "./hashes.ts";
import type { ShardChain } from "./shard-chain.ts";

/** A block the last minute's walk counted: what of it the stats add up (its header's facts do not change). */
interface Counted {
  height: bigint;
  createTime: bigint;
  txCount: number;
}

/**
 * The last walk of a chain: the blocks it counted, tip first. It ended at a header that is the
 * genesis or at most a minute older than the tip; a walk cut short by a missing header is not kept.
 */
interface Walk {
  tipHash: Uint8Array;
  tipTime: bigint;
  counted: Counted[];
  lastBlockTime: bigint;
}

/**
 * Each chain's last walk. The master asks for the stats with every block's header, and a walk
 * over a minute of blocks (their notes decoded) took ~0.5 ms a block of bench (a): a new tip on
 * top of the last one is counted from the last walk instead (same answer: see nextWalk).
 */
const walks = new WeakMap<ShardChain, Walk>();

/** ShardState.get_shard_stats: the last minute of the tip's chain, with the pool's size. */
export function shardStats(chain: ShardChain, pendingTxCount: number): ShardStats {
  const tip = chain.headerTip;
  const tipHash = chain.tipHash;
  const last = walks.get(chain);
  const walk = (last && nextWalk(chain, last, tip, tipHash)) ?? fullWalk(chain, tip, tipHash);
  if (walk.kept) walks.set(chain, walk.walk);
  else walks.delete(chain);
  const { counted, lastBlockTime } = walk.walk;
  let txCount = 0;
  for (const c of counted) txCount += c.txCount;
  // Counted now (a block added at an old height later makes it stale); the counted blocks are the
  // heights from the tip down, one each (a block's height is its parent's plus one: validate.ts).
  const stale = counted.length === 0 ? 0 : chain.staleBlocksBetween(counted.at(-1)!.height, counted[0]!.height);
  return {
    branch: { value: chain.fullShardId },
    height: tip.height,
    difficulty: tip.difficulty,
    coinbase_address: tip.coinbase_address,
    timestamp: tip.create_time,
    tx_count60s: txCount,
    pending_tx_count: pendingTxCount,
    total_tx_count: chain.store.blockNote(tipHash)?.total_tx_count ?? 0,
    block_count60s: counted.length,
    stale_block_count60s: stale,
    last_block_time: Number(lastBlockTime),
  };
}

type Result = { walk: Walk; kept: boolean };

/**
 * The walk get_shard_stats does: from the tip back while the header is not the genesis and is
 * younger than a minute before the tip. A block's transaction count is its note's running total
 * less its parent's: the walk reads headers and notes, not the blocks (a full block would be
 * decoded again once out of the cache).
 */
function fullWalk(chain: ShardChain, tip: MinorBlockHeader, tipHash: Uint8Array): Result {
  const cutoff = tip.create_time - 60n;
  const totalAt = (hash: Uint8Array) => chain.store.blockNote(hash)?.total_tx_count;
  const counted: Counted[] = [];
  let header = tip;
  let total = totalAt(tipHash);
  let lastBlockTime = 0n;
  let kept = true;
  while (header.height > 0n && header.create_time > cutoff) {
    const prevTotal = totalAt(header.hash_prev_minor_block);
    const txCount =
      total !== undefined && prevTotal !== undefined
        ? total - prevTotal
        : (chain.byHash(minorBlockHash(header))?.tx_list.length ?? 0);
    counted.push({ height: header.height, createTime: header.create_time, txCount });
    const prev = chain.header(header.hash_prev_minor_block);
    if (!prev) {
      kept = false;
      break;
    }
    header = prev;
    total = prevTotal;
    if (lastBlockTime === 0n) lastBlockTime = tip.create_time - header.create_time;
  }
  return { walk: { tipHash, tipTime: tip.create_time, counted, lastBlockTime }, kept };
}

/**
 * The walk of `tip` from the last one, when that gives what fullWalk would: the same tip, or a
 * child of the last tip younger than it (a cutoff no earlier, so the walk stops where the last
 * one stopped or sooner: at the first counted block now at most a minute old). Otherwise undefined.
 */
function nextWalk(chain: ShardChain, last: Walk, tip: MinorBlockHeader, tipHash: Uint8Array): Result | undefined {
  if (sameBytes(tipHash, last.tipHash)) return { walk: last, kept: true };
  if (!sameBytes(tip.hash_prev_minor_block, last.tipHash) || tip.create_time <= last.tipTime) return undefined;
  const cutoff = tip.create_time - 60n;
  const total = chain.store.blockNote(tipHash)?.total_tx_count;
  const prevTotal = chain.store.blockNote(last.tipHash)?.total_tx_count;
  if (total === undefined || prevTotal === undefined) return undefined;
  const counted: Counted[] = [{ height: tip.height, createTime: tip.create_time, txCount: total - prevTotal }];
  for (const c of last.counted) {
    if (c.createTime <= cutoff) break; // heights only fall along the walk: above the genesis still
    counted.push(c);
  }
  return {
    walk: { tipHash, tipTime: tip.create_time, counted, lastBlockTime: tip.create_time - last.tipTime },
    kept: true,
  };
}
