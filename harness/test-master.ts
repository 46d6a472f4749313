import type { Socket } from "node:net";
import type { AddMinorBlockHeaderRequest, Pong, SlaveInfo } from "../src/messages/cluster.ts";
import { RootBlock } from "../src/messages/core.ts";
import { FrameSocket, type ReceivedFrame, dialSocket, opOf } from "./frame-socket.ts";

/**
 * A test master on the 12-byte ClusterMetadata link: it dials the slave (so it is the
 * first connection, the master), calls cluster RPCs with its own rpc ids, and answers the
 * slave's ADD_MINOR_BLOCK_HEADER(_LIST)_REQUESTs, error_code 0 unless told otherwise.
 */
export class TestMaster extends FrameSocket {
  /** What the master answers a header report with; a test can change it before the PING. */
  headerErrorCode = 0;
  /** Every ADD_MINOR_BLOCK_HEADER_REQUEST the slave sent, in order. */
  readonly headerReports: AddMinorBlockHeaderRequest[] = [];

  constructor(socket: Socket, name = "master") {
    super(socket, "master", name);
    this.onRequest("ADD_MINOR_BLOCK_HEADER_REQUEST", (req) => {
      this.headerReports.push(req);
      return {
        error_code: this.headerErrorCode,
        artificial_tx_config: { target_root_block_time: 0, target_minor_block_time: 0 },
      };
    });
    this.onRequest("ADD_MINOR_BLOCK_HEADER_LIST_REQUEST", () => ({ error_code: this.headerErrorCode }));
  }

  static async dial(port: number, name = "master"): Promise<TestMaster> {
    return new TestMaster(await dialSocket(port), name);
  }

  /** PING #1 (no root tip) or PING #2 (root tip: the slave creates its shards first). */
  ping(rootTip: RootBlock | null = null): Promise<Pong> {
    return this.call("PING", { id: Buffer.alloc(0), full_shard_id_list: [], root_tip: rootTip });
  }

  /** The genesis root block, height 0: every shard with GENESIS.ROOT_HEIGHT 0 is due. */
  static genesisRoot(height = 0): RootBlock {
    const root = RootBlock.zero();
    root.header.height = height;
    return root;
  }

  async connectToSlaves(infos: SlaveInfo[]): Promise<string[]> {
    const res = await this.call("CONNECT_TO_SLAVES_REQUEST", { slave_info_list: infos });
    return res.result_list.map((r) => Buffer.from(r).toString("latin1"));
  }

  async createPeer(clusterPeerId: bigint): Promise<number> {
    const res = await this.call("CREATE_CLUSTER_PEER_CONNECTION_REQUEST", { cluster_peer_id: clusterPeerId });
    return res.error_code;
  }

  /** DESTROY is a command: rpc id 0 and no answer. */
  destroyPeer(clusterPeerId: bigint, rpcId = 0n): void {
    this.send("DESTROY_CLUSTER_PEER_CONNECTION_COMMAND", { cluster_peer_id: clusterPeerId }, { rpcId });
  }

  /** Frames the slave sent on behalf of a peer connection (cluster_peer_id ≠ 0). */
  peerFrames(clusterPeerId: bigint): ReceivedFrame[] {
    return this.frames.filter((f) => f.clusterPeerId === clusterPeerId);
  }

  /** The seq at which the slave's PONG (op 130) with this rpc id arrived. */
  pongSeq(rpcId: bigint): number | undefined {
    return this.frames.find((f) => f.clusterPeerId === 0n && f.op === opOf("PONG") && f.rpcId === rpcId)?.seq;
  }
}

/** The SlaveInfo a master announces for a sibling that will dial in (its port is never dialed). */
export function announced(id: string, shards: number[], host = "127.0.0.1", port = 1): SlaveInfo {
  return {
    id: Buffer.from(id, "latin1"),
    host: Buffer.from(host, "latin1"),
    port,
    full_shard_id_list: shards,
  };
}
