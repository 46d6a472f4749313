import type { Logger } from "pino";
import { type ClusterMessage, type ClusterOpDefs, clusterOps } from "../../messages/cluster.ts";
import type { MinorBlock } from "../../messages/core.ts";
import type { ResponseOf } from "../../messages/ops.ts";
import type { Shard } from "../shard.ts";

type Op = "GET_NEXT_BLOCK_TO_MINE_REQUEST";

/** What this handler sees of the backend (handlers/master.ts's Shards has it). */
export interface MiningShards {
  readonly log: Logger;
  get(fullShardId: number): Shard | undefined;
}

/**
 * slave.py:handle_get_next_block_to_mine_request: create_block_to_mine(address) in the branch's
 * shard (exec/build-block.ts), the pool's transactions included. pyquarkchain's check() fails
 * for a shard not local and its handler raises; error_code 1 with a zero block is answered
 * instead, as for a block that cannot be built here (the tip's state not stored), logged.
 */
export function getNextBlockToMine(shards: MiningShards, req: ClusterMessage<Op>): ResponseOf<ClusterOpDefs, Op> {
  const shard = shards.get(req.branch.value);
  if (!shard) return clusterOps.failedResponse("GET_NEXT_BLOCK_TO_MINE_REQUEST", 1);
  let block: MinorBlock;
  try {
    block = shard.createBlockToMine({ address: req.address });
  } catch (err) {
    shards.log.warn({ shard: shard.fullShardId, err }, "cannot create a block to mine");
    return clusterOps.failedResponse("GET_NEXT_BLOCK_TO_MINE_REQUEST", 1);
  }
  return { error_code: 0, block };
}
