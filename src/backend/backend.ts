import type { RequestName, ResponseOf, RpcConnection } from "../cluster/rpc-connection.ts";
import type { XshardFailure } from "../cluster/xshard/xshard-pool.ts";
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

/**
 * A handler may answer at once: a plain value costs no promise and no microtask, which
 * matters for the ops the master polls (GET_ECO_INFO_LIST).
 */
export type MasterHandlers = {
  [N in BackendOp]?: (
    request: ClusterMessage<N>,
  ) => ResponseOf<ClusterOpDefs, N> | Promise<ResponseOf<ClusterOpDefs, N>>;
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

/** What the backend may use of one PeerConn (its RpcConnection): calls, commands, closing it. */
export type PeerRpc = Pick<RpcConnection<P2POpDefs>, "call" | "send" | "close" | "closed">;

/**
 * What the backend may ask of the cluster while it works. The optional members reach
 * peers and siblings; a context without them (an older cluster layer, a test) makes the
 * backend answer what needs them with an error code, or keep cross-shard lists local.
 */
export interface SlaveContext {
  addMinorBlockHeader(request: AddMinorBlockHeaderRequest): Promise<AddMinorBlockHeaderResponse>;
  addMinorBlockHeaderList(request: AddMinorBlockHeaderListRequest): Promise<AddMinorBlockHeaderListResponse>;
  /** The PeerConn of (external peer, local shard), if one is open (pyquarkchain's shard.peers[id]). */
  peer?(clusterPeerId: bigint, fullShardId: number): PeerRpc | undefined;
  /** Every PeerConn of a local shard, for the broadcasts (pyquarkchain's shard.peers). */
  peers?(fullShardId: number): Array<{ clusterPeerId: bigint; rpc: PeerRpc }>;
  /**
   * ADD_XSHARD_TX_LIST_REQUEST to every sibling link serving each request's shard, all at
   * once; the failures (XshardPool.sendXshardTxLists).
   */
  sendXshardTxLists?(requests: readonly AddXshardTxListRequest[]): Promise<XshardFailure[]>;
  /** One BATCH_ADD_XSHARD_TX_LIST_REQUEST per sibling link serving `fullShardId`; the failures. */
  sendXshardTxListBatch?(fullShardId: number, requests: readonly AddXshardTxListRequest[]): Promise<XshardFailure[]>;
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
  /**
   * A sibling's cross-shard deposits for a local shard: the error code to answer (0, or ENOENT).
   * `encodedTxList`, when given, is request.tx_list exactly as encoding it gives (a copy of the
   * received bytes): a backend that stores the encoding may keep it instead of encoding again.
   */
  addXshardTxList(request: AddXshardTxListRequest, encodedTxList?: Uint8Array): Promise<number>;
  /**
   * A PeerConn closed (destroyed by the master, or closed for a fault): what the backend
   * keeps per peer goes with it, as pyquarkchain's goes with its PeerShardConnection.
   */
  peerClosed?(peer: PeerRef): void;
  /** Releases what the backend holds open (its chain store); called once the slave has stopped. */
  close?(): Promise<void>;
}
