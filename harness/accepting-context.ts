import type { SlaveContext } from "../src/backend/api.ts";

/**
 * The cluster of a backend driven alone (benches, the durability model): a master that accepts
 * every header and answers with `artificial` as its artificial_tx_config, no peer, no sibling
 * (whoever drives the backend hands the cross-shard lists over itself).
 */
export function acceptingContext(
  artificial = { target_root_block_time: 10, target_minor_block_time: 3 },
): SlaveContext {
  return {
    addMinorBlockHeader: async () => ({ error_code: 0, artificial_tx_config: artificial }),
    addMinorBlockHeaderList: async () => ({ error_code: 0 }),
    peer: () => undefined,
    peers: () => [],
    sendXshardTxLists: async () => [],
    sendXshardTxListBatch: async () => [],
  };
}
