import type { Logger } from "pino";
import { hex } from "../codec/bytes.ts";
import type { ClusterOpDefs } from "../messages/cluster.ts";
import type { TokenBalanceMap } from "../messages/core.ts";
import type { ResponseOf } from "../messages/ops.ts";
import { recoverSendersAhead } from "../tx/senders.ts";
import { PeerFault, type PeerRpc } from "./api.ts";
import { minorBlockHash } from "./chain/hashes.ts";
import type { Shard } from "./shard.ts";

const SYNC_BATCH = 100; // handle_sync_minor_block_list_request's BLOCK_BATCH_SIZE

/**
 * handle_sync_minor_block_list_request (PROTOCOL.md §5.5): download the blocks from the
 * peer in batches of SYNC_BATCH, each within `timeoutMs`, and add each batch in order
 * (Shard.add_block_list_for_sync); answer the coinbase map of every block. Any failure
 * (the peer's answer, a refused block, the master refusing the headers) answers 1, logged.
 */
export async function syncFromPeer(
  shard: Shard,
  peer: PeerRpc,
  peerId: bigint,
  hashes: readonly Uint8Array[],
  timeoutMs: number,
  log: Logger,
): Promise<ResponseOf<ClusterOpDefs, "SYNC_MINOR_BLOCK_LIST_REQUEST">> {
  const coinbaseMap: Array<[Uint8Array, TokenBalanceMap]> = [];
  try {
    for (let at = 0; at < hashes.length; at += SYNC_BATCH) {
      const wanted = hashes.slice(at, at + SYNC_BATCH);
      const res = await peer.call("GET_MINOR_BLOCK_LIST_REQUEST", { minor_block_hash_list: wanted }, { timeoutMs });
      if (res.minor_block_list.length !== wanted.length)
        throw new PeerFault(`asked ${wanted.length} blocks, got ${res.minor_block_list.length}`);
      // Linked by hash: each block asked for, in the order asked (parents first).
      const byHash = new Map(res.minor_block_list.map((b) => [hex(minorBlockHash(b.header)), b]));
      const blocks = wanted.map((h) => {
        const b = byHash.get(hex(h));
        if (!b) throw new PeerFault(`the peer did not send block ${hex(h)}`);
        return b;
      });
      for (const b of blocks) recoverSendersAhead(b.tx_list); // on the sender threads while the batch runs
      const result = await shard.addBlockListForSync(blocks);
      if (!result.ok) throw new Error("failed to add the synced blocks");
      wanted.forEach((h, i) => coinbaseMap.push([h, result.coinbase[i]!]));
    }
    return { error_code: 0, block_coinbase_map: coinbaseMap, shard_stats: shard.shardStats() };
  } catch (err) {
    log.warn({ shard: shard.fullShardId, peer: peerId, reason: (err as Error).message }, "sync from peer failed");
    return { error_code: 1, block_coinbase_map: [], shard_stats: null };
  }
}
