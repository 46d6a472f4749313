import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import type { MinorBlock } from "../../messages/core.ts";
import { xshardTargets } from "../chain/block-rules.ts";
import type { ShardChain } from "../chain/shard-chain.ts";

/**
 * Whether a block can be accepted only by running its transactions, which this backend
 * does not do yet: the one place that decides it (the EVM's issue makes it "never").
 *
 * A block without transactions needs none: its state follows from its reward (derive/).
 * One with transactions is added without running them only when its cross-shard lists go
 * nowhere: its deposits would take execution, and a neighbour must never be told "none".
 */
export function needsExecution(config: QuarkChainConfig, chain: ShardChain, block: MinorBlock): boolean {
  if (block.tx_list.length === 0) return false;
  const root = chain.rootHeader(block.header.hash_prev_root_block);
  return !root || xshardTargets(config, chain.fullShardId, root.height).length > 0;
}
