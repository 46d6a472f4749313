import { hex, sameBytes } from "../../codec/bytes.ts";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import type { MinorBlock } from "../../messages/core.ts";
import { buildGenesisState } from "../state/genesis-alloc.ts";
import type { ChainStore, ExecutedRecords } from "./chain-store.ts";

/**
 * The records of a shard's genesis state (GenesisManager.create_minor_block's ALLOC, built
 * through the world state over the store's Kv), to store with the genesis block so that the
 * first block runs on it. Its root must be the genesis block's hash_evm_state_root.
 */
export function genesisStateRecords(config: QuarkChainConfig, store: ChainStore, genesis: MinorBlock): ExecutedRecords {
  const { commit } = buildGenesisState(config, store.fullShardId, store.stateKv);
  if (!sameBytes(commit.root, genesis.meta.hash_evm_state_root)) {
    throw new Error(
      `shard 0x${store.fullShardId.toString(16)}: genesis state root ${hex(commit.root)} is not the genesis block's ` +
        hex(genesis.meta.hash_evm_state_root),
    );
  }
  return { stateWrites: commit.writes };
}
