import type { MinorBlock, MinorBlockHeader } from "../../messages/core.ts";
import type { ResponseOf } from "../../messages/ops.ts";
import type { P2PMessage, P2POpDefs } from "../../messages/p2p.ts";
import { type PeerHandlers, type PeerRef, PeerFault } from "../api.ts";
import type { Shard } from "../shard.ts";

const MAX_HEADER_LIST = 200; // pyquarkchain: 2 x MINOR_BLOCK_HEADER_LIST_LIMIT
const MAX_BLOCK_LIST = 100; // pyquarkchain: 2 x MINOR_BLOCK_BATCH_SIZE

/** The local shard a peer's virtual connection talks to. */
export type ShardOf = (peer: PeerRef) => Shard;

/**
 * The requests and commands of a peer's virtual connection (PeerShardConnection's
 * OP_HANDLER / OP_RPC maps, PROTOCOL.md §6.3). A bad request is the peer's fault: its
 * connection closes.
 */
export function peerHandlers(shardOf: ShardOf): PeerHandlers {
  return {
    GET_MINOR_BLOCK_LIST_REQUEST: async (peer, req) => getMinorBlockList(shardOf(peer), req),
    GET_MINOR_BLOCK_HEADER_LIST_REQUEST: async (peer, req) => getHeaderList(shardOf(peer), peer, req),
    GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST: async (peer, req) => getHeaderListWithSkip(shardOf(peer), peer, req),
    NEW_TRANSACTION_LIST: async (peer, cmd) => shardOf(peer).newTransactions(peer, cmd),
    NEW_MINOR_BLOCK_HEADER_LIST: async (peer, cmd) => {
      const shard = shardOf(peer);
      shard.gossip.newTip(peer.clusterPeerId, cmd);
      shard.synchronizer.announce(peer.clusterPeerId, cmd.minor_block_header_list[0]!);
    },
    NEW_BLOCK_MINOR: (peer, cmd) => shardOf(peer).newBlock(peer, cmd.block),
  };
}

type Response<N extends keyof P2POpDefs> = ResponseOf<P2POpDefs, N>;

function getMinorBlockList(
  shard: Shard,
  req: P2PMessage<"GET_MINOR_BLOCK_LIST_REQUEST">,
): Response<"GET_MINOR_BLOCK_LIST_REQUEST"> {
  if (req.minor_block_hash_list.length > MAX_BLOCK_LIST)
    throw new PeerFault(`more than ${MAX_BLOCK_LIST} blocks asked`);
  const found = req.minor_block_hash_list.map((h) => shard.byHash(h)).filter((b): b is MinorBlock => !!b);
  return { minor_block_list: found }; // unknown hashes are skipped, as in pyquarkchain
}

function getHeaderList(
  shard: Shard,
  peer: PeerRef,
  req: P2PMessage<"GET_MINOR_BLOCK_HEADER_LIST_REQUEST">,
): Response<"GET_MINOR_BLOCK_HEADER_LIST_REQUEST"> {
  checkHeaderRequest(peer, req.branch.value, req.limit, req.direction);
  const chain = shard.chain;
  const headers: MinorBlockHeader[] = [];
  let header = chain.header(req.block_hash);
  if (!header) throw new PeerFault("unknown block hash");
  while (header && headers.length < req.limit) {
    headers.push(header);
    if (header.height === 0n) break;
    header = chain.header(header.hash_prev_minor_block);
  }
  return headerListResponse(shard, headers);
}

function getHeaderListWithSkip(
  shard: Shard,
  peer: PeerRef,
  req: P2PMessage<"GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST">,
): Response<"GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST"> {
  checkHeaderRequest(peer, req.branch.value, req.limit, req.direction);
  if (req.type !== 0 && req.type !== 1) throw new PeerFault(`bad skip request type ${req.type}`);
  return headerListResponse(shard, headersWithSkip(shard, req));
}

function headerListResponse(
  shard: Shard,
  headers: MinorBlockHeader[],
): Response<"GET_MINOR_BLOCK_HEADER_LIST_REQUEST"> {
  return { root_tip: shard.chain.rootTip, shard_tip: shard.headerTip, block_header_list: headers };
}

function checkHeaderRequest(peer: PeerRef, branch: number, limit: number, direction: number): void {
  if (branch !== peer.fullShardId)
    throw new PeerFault(`header request for branch ${branch} on shard ${peer.fullShardId}`);
  if (limit <= 0 || limit > MAX_HEADER_LIST)
    throw new PeerFault(`header request limit ${limit} outside 1..${MAX_HEADER_LIST}`);
  if (direction !== 0) throw new PeerFault(`header request direction ${direction} (only 0, toward genesis, is served)`);
}

function headersWithSkip(
  shard: Shard,
  req: P2PMessage<"GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST">,
): MinorBlockHeader[] {
  const chain = shard.chain;
  let height: bigint;
  if (req.type === 1) {
    height = BigInt("0x" + (Buffer.from(req.data).toString("hex") || "0"));
  } else {
    const block = chain.byHash(req.data);
    if (!block || !chain.isCanonical(block)) return [];
    height = block.header.height;
  }
  const step = BigInt(req.skip + 1) * (req.direction === 0 ? -1n : 1n);
  const out: MinorBlockHeader[] = [];
  const tip = chain.headerTip.height;
  while (out.length < req.limit && height >= 0n && height <= tip) {
    const block = chain.byHeight(height);
    if (!block) break;
    out.push(block.header);
    height += step;
  }
  return out;
}
