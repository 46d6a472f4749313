import type { ClusterMessage, ClusterOpDefs } from "../../messages/cluster.ts";
import type { ResponseOf } from "../../messages/ops.ts";
import type { SlaveMining } from "../mining/slave-mining.ts";
import type { Shard } from "../shard.ts";

/*
 * MasterConnection's mining handlers (slave.py handle_mine_request, handle_get_work,
 * handle_submit_work) over the slave's miners (mining/slave-mining.ts).
 */

/** What the mining handlers see of the backend. */
export interface MiningShards {
  /** The initialized local shard with this full shard id. */
  get(fullShardId: number): Shard | undefined;
  /** Each local shard's miner. */
  readonly mining: SlaveMining;
}

type Response<N extends keyof ClusterOpDefs> = ResponseOf<ClusterOpDefs, N>;

/** Mining on (with the master's artificial tx config) or off, for every local shard; always 0. */
export function mineRequest(shards: MiningShards, req: ClusterMessage<"MINE_REQUEST">): Response<"MINE_REQUEST"> {
  if (req.mining) shards.mining.start(req.artificial_tx_config);
  else shards.mining.stop();
  return { error_code: 0 };
}

/** The work for an external miner; error_code 1 and zero values where pyquarkchain has none. */
export function getWork(shards: MiningShards, req: ClusterMessage<"GET_WORK_REQUEST">): Response<"GET_WORK_REQUEST"> {
  const work = shards.mining.getWork(shards.get(req.branch.value), req.coinbase_addr);
  if (!work) return { error_code: 1, header_hash: new Uint8Array(32), height: 0n, difficulty: 0n };
  return { error_code: 0, header_hash: work.hash, height: work.height, difficulty: work.difficulty };
}

/**
 * A seal for work handed out: success false for an unknown header hash, moved tip or refused
 * seal (error_code 0); error_code 1 for a shard not here or not mined remotely.
 */
export async function submitWork(
  shards: MiningShards,
  req: ClusterMessage<"SUBMIT_WORK_REQUEST">,
): Promise<Response<"SUBMIT_WORK_REQUEST">> {
  const ok = await shards.mining.submitWork(shards.get(req.branch.value), req.header_hash, req.nonce, req.mixhash);
  return ok === undefined ? { error_code: 1, success: false } : { error_code: 0, success: ok };
}
