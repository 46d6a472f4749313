import type { RequestName, ResponseOf } from "../cluster/rpc-connection.ts";
import type {
  AddMinorBlockHeaderListRequest,
  AddMinorBlockHeaderListResponse,
  AddMinorBlockHeaderRequest,
  AddMinorBlockHeaderResponse,
  AddXshardTxListRequest,
  ClusterMessage,
  ClusterOpDefs,
} from "../messages/cluster.ts";
import type { RootBlock } from "../messages/core.ts";
import type { P2PMessage, P2POpDefs } from "../messages/p2p.ts";

/** Master requests the cluster layer answers itself; every other one goes to the backend. */
export type ClusterLayerOp =
  | "PING"
  | "CONNECT_TO_SLAVES_REQUEST"
  | "CREATE_CLUSTER_PEER_CONNECTION_REQUEST"
  | "ADD_ROOT_BLOCK_REQUEST" // creates shards, like PING with a root tip
  | "ADD_MINOR_BLOCK_HEADER_REQUEST" // slave -> master
  | "ADD_MINOR_BLOCK_HEADER_LIST_REQUEST" // slave -> master
  | "ADD_XSHARD_TX_LIST_REQUEST" // mesh only
  | "BATCH_ADD_XSHARD_TX_LIST_REQUEST"; // mesh only

export type BackendOp = Exclude<RequestName<ClusterOpDefs>, ClusterLayerOp>;

export type MasterHandlers = {
  [N in BackendOp]?: (request: ClusterMessage<N>) => Promise<ResponseOf<ClusterOpDefs, N>>;
};

/** P2P ops a slave's shard connection serves (PROTOCOL.md §6.3). */
export type PeerRequestOp =
  | "GET_MINOR_BLOCK_LIST_REQUEST"
  | "GET_MINOR_BLOCK_HEADER_LIST_REQUEST"
  | "GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST";
export type PeerCommandOp = "NEW_MINOR_BLOCK_HEADER_LIST" | "NEW_TRANSACTION_LIST" | "NEW_BLOCK_MINOR";

/** Who sent a peer frame: the external peer's cluster id and the local shard it talks to. */
export interface PeerRef {
  clusterPeerId: bigint;
  fullShardId: number;
}

export type PeerHandlers = {
  [N in PeerRequestOp]?: (peer: PeerRef, request: P2PMessage<N>) => Promise<ResponseOf<P2POpDefs, N>>;
} & {
  [N in PeerCommandOp]?: (peer: PeerRef, command: P2PMessage<N>) => Promise<void>;
};

/** What the backend may ask of the cluster while it works. */
export interface SlaveContext {
  addMinorBlockHeader(request: AddMinorBlockHeaderRequest): Promise<AddMinorBlockHeaderResponse>;
  addMinorBlockHeaderList(request: AddMinorBlockHeaderListRequest): Promise<AddMinorBlockHeaderListResponse>;
}

/**
 * What the slave knows: shards, blocks, state. The cluster layer (MasterConn, PeerConn,
 * XshardConn) routes to it and answers whatever it does not serve with a well-formed
 * error response.
 */
export interface SlaveBackend {
  /** Full shard ids that exist here now: routable, visible to queries. */
  readonly readyShards: ReadonlySet<number>;
  /**
   * Creates every local shard the root block makes due (GENESIS.ROOT_HEIGHT reached),
   * reporting each genesis header through ctx before it resolves, as a pyquarkchain
   * slave does before it answers the PING that carried the root tip.
   */
  createShards(root: RootBlock, ctx: SlaveContext): Promise<number[]>;
  /**
   * ADD_ROOT_BLOCK before shard creation: confirm what the block includes. A non-zero
   * error_code is answered at once (pyquarkchain: EBADMSG when a shard refuses it).
   */
  addRootBlock(root: RootBlock): Promise<{ error_code: number; switched: boolean }>;
  readonly master: MasterHandlers;
  readonly peer: PeerHandlers;
  /** A sibling's cross-shard deposits for a local shard: the error code to answer (0, or ENOENT). */
  addXshardTxList(request: AddXshardTxListRequest): Promise<number>;
}
