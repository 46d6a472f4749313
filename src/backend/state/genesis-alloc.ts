import { type QuarkChainConfig, fullShardIdByFullShardKey } from "../../config/cluster-config.ts";
import type { Kv } from "../kv.ts";
import { type StateCommit, WorldState } from "./world-state.ts";

/** An ALLOC entry whose full_shard_key is not in the shard being built (GenesisManager's `check`). */
export class GenesisAllocError extends Error {
  override readonly name = "GenesisAllocError";
}

/**
 * A shard's genesis state built through the world state, as GenesisManager.create_minor_block does
 * (quarkchain/genesis.py): for each ALLOC entry in order, the state's full_shard_key becomes the
 * entry's, then code (with nonce 1), storage slots and token balances (delta_token_balance) are
 * applied; one commit at the end drops the blank accounts. Returns the state and the commit (root
 * and the records to store).
 */
export function buildGenesisState(
  config: QuarkChainConfig,
  fullShardId: number,
  kv: Kv,
): { state: WorldState; commit: StateCommit } {
  const shard = config.shards.get(fullShardId);
  if (!shard) throw new GenesisAllocError(`full shard id 0x${fullShardId.toString(16)} is not in the network config`);
  const state = WorldState.open(kv);
  for (const entry of shard.GENESIS.ALLOC) {
    const { recipient, full_shard_key: key } = entry.address;
    if (shardOfKey(config, key) !== fullShardId) {
      throw new GenesisAllocError(`ALLOC ${entry.key}: full_shard_key is not in shard 0x${fullShardId.toString(16)}`);
    }
    state.fullShardKey = key;
    if (entry.code) {
      state.setCode(recipient, entry.code);
      state.setNonce(recipient, 1n);
    }
    for (const [slot, value] of entry.storage ?? []) state.setStorage(recipient, slot, value);
    for (const { tokenId, amount } of entry.balances) state.addBalance(recipient, tokenId, amount);
  }
  return { state, commit: state.commit() };
}

function shardOfKey(config: QuarkChainConfig, key: number): number | undefined {
  try {
    return fullShardIdByFullShardKey(config, key);
  } catch {
    return undefined; // a chain the network does not have
  }
}
