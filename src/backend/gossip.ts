import type { Logger } from "pino";
import { encode } from "../codec/index.ts";
import { sameBytes } from "../codec/bytes.ts";
import {
  type MinorBlockHeader,
  type RootBlockHeader,
  MinorBlockHeader as MinorBlockHeaderCodec,
  RootBlockHeader as RootBlockHeaderCodec,
} from "../messages/core.ts";
import type { P2PMessage } from "../messages/p2p.ts";
import { PeerFault, type PeerRpc } from "./api.ts";
import type { ShardChain } from "./chain/shard-chain.ts";

/** What one peer has shown of a shard (PeerShardConnection's best_*_header_observed). */
interface Observed {
  root?: RootBlockHeader;
  minor?: MinorBlockHeader;
}

/**
 * One shard's gossip state: what each peer has shown of its tips, and the blocks announced
 * by NEW_BLOCK_MINOR that passed validation (ShardState.new_block_header_pool). What is kept
 * per peer goes when its connection closes.
 */
export class Gossip {
  /** By hex block hash. */
  readonly newBlockPool = new Map<string, MinorBlockHeader>();
  private readonly observed = new Map<bigint, Observed>();

  constructor(
    private readonly chain: ShardChain,
    private readonly log: Logger,
  ) {}

  observedBy(clusterPeerId: bigint): Observed {
    let o = this.observed.get(clusterPeerId);
    if (!o) this.observed.set(clusterPeerId, (o = {}));
    return o;
  }

  forget(clusterPeerId: bigint): void {
    this.observed.delete(clusterPeerId);
  }

  /**
   * handle_new_minor_block_header_list_command: one header of this shard, never going back
   * against what the peer showed before (else the connection closes). Whether a higher tip
   * starts a sync task is the Synchronizer's to decide (Synchronizer.announce).
   */
  newTip(clusterPeerId: bigint, cmd: P2PMessage<"NEW_MINOR_BLOCK_HEADER_LIST">): void {
    const chain = this.chain;
    if (cmd.minor_block_header_list.length !== 1)
      throw new PeerFault("minor block header list must have only one header");
    const m = cmd.minor_block_header_list[0]!;
    if (m.branch.value !== chain.fullShardId) throw new PeerFault("incorrect branch");
    const o = this.observedBy(clusterPeerId);
    if (o.root) {
      if (cmd.root_block_header.total_difficulty < o.root.total_difficulty)
        throw new PeerFault("best observed root header total_difficulty is decreasing");
      if (cmd.root_block_header.total_difficulty === o.root.total_difficulty) {
        if (!sameRoot(cmd.root_block_header, o.root))
          throw new PeerFault("best observed root header changed with same total_difficulty");
        if (o.minor && m.height < o.minor.height) throw new PeerFault("best observed minor header is decreasing");
      }
    }
    o.root = cmd.root_block_header;
    o.minor = m;
  }

  /** Shard.broadcast_new_tip: NEW_MINOR_BLOCK_HEADER_LIST to each peer not known to be as far along. */
  broadcastNewTip(peers: ReadonlyArray<{ clusterPeerId: bigint; rpc: PeerRpc }>): void {
    const chain = this.chain;
    for (const p of peers) {
      try {
        const o = this.observed.get(p.clusterPeerId);
        if (o?.root) {
          if (chain.rootTip.total_difficulty < o.root.total_difficulty) continue;
          if (sameRoot(chain.rootTip, o.root)) {
            if (o.minor && chain.headerTip.height < o.minor.height) continue;
            if (o.minor && sameMinor(chain.headerTip, o.minor)) continue;
          }
        }
        p.rpc.send("NEW_MINOR_BLOCK_HEADER_LIST", {
          root_block_header: chain.rootTip,
          minor_block_header_list: [chain.headerTip],
        });
      } catch (err) {
        this.log.warn({ shard: chain.fullShardId, err }, "broadcast tip failure");
      }
    }
  }
}

const sameRoot = (a: RootBlockHeader, b: RootBlockHeader) =>
  sameBytes(encode(RootBlockHeaderCodec, a), encode(RootBlockHeaderCodec, b));
const sameMinor = (a: MinorBlockHeader, b: MinorBlockHeader) =>
  sameBytes(encode(MinorBlockHeaderCodec, a), encode(MinorBlockHeaderCodec, b));
