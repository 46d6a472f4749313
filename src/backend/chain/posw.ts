import type { QuarkChainConfig, ShardConfig } from "../../config/cluster-config.ts";
import { decayByEpoch } from "./block-rules.ts";

/** PoSW's arithmetic (config.py POSWConfig, posw.py get_posw_info, shard_state.py _posw_info). */

/** The stake one PoSW block takes at (height, createTime): decayed by epoch once staking decay is on. */
export function stakePerBlock(
  config: QuarkChainConfig,
  shard: ShardConfig,
  height: bigint,
  createTime: bigint,
): bigint {
  const posw = shard.chain.POSW_CONFIG;
  let perBlock = posw.TOTAL_STAKE_PER_BLOCK;
  const decayFrom = config.ENABLE_POSW_STAKING_DECAY_TIMESTAMP;
  if (decayFrom !== null && createTime > decayFrom) perBlock = decayByEpoch(config, shard, perBlock, height);
  if (perBlock === 0n) perBlock = posw.TOTAL_STAKE_PER_BLOCK; // `stake_per_block or TOTAL_STAKE_PER_BLOCK`
  if (perBlock === 0n) throw new Error("POSW_CONFIG.TOTAL_STAKE_PER_BLOCK is 0 (pyquarkchain divides by it)");
  return perBlock;
}

/** Blocks of the window that `stakes` may mine at (height, createTime). */
export function poswThreshold(
  config: QuarkChainConfig,
  shard: ShardConfig,
  stakes: bigint,
  height: bigint,
  createTime: bigint,
) {
  const threshold = stakes / stakePerBlock(config, shard, height, createTime);
  const window = BigInt(shard.chain.POSW_CONFIG.WINDOW_SIZE);
  return Number(threshold < window ? threshold : window);
}

/** POSWConfig.get_diff_divider: DIFF_DIVIDER, multiplied per boost step once the boost has started. */
export function diffDivider(shard: ShardConfig, timestamp: bigint): bigint {
  const posw = shard.chain.POSW_CONFIG;
  if (posw.BOOST_TIMESTAMP <= 0n || timestamp < posw.BOOST_TIMESTAMP) return posw.DIFF_DIVIDER;
  let steps = (timestamp - posw.BOOST_TIMESTAMP) / posw.BOOST_STEP_INTERVAL + 1n;
  if (steps > posw.BOOST_STEPS) steps = posw.BOOST_STEPS;
  return posw.DIFF_DIVIDER * posw.BOOST_MULTIPLIER_PER_STEP ** steps;
}
