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
import type { CommandName, MessageOf, RequestName, ResponseOf } from "../messages/ops.ts";
import type { P2PMessage, P2POpDefs } from "../messages/p2p.ts";

/**
 * The backend's side of its contract with the cluster layer: what the cluster hands it
 * (handler tables, sibling deposits, peers closing) and what it may ask of the cluster
 * (SlaveContext). Imports messages/ only, so either side may change behind it.
 */

/** Linux errno values, as pyquarkchain answers them (PROTOCOL.md §5.1). */
export const ENOENT = 2;
export const EFAULT = 14;
export const EBADMSG = 74;
/** The error_code of an answer to an op the backend does not serve (see the README's support table). */
export const UNSUPPORTED_ERROR_CODE = 1;

/** Master requests the cluster layer answers itself; every other one goes to the backend. */
export const clusterLayerOps = [
  "PING",
  "CONNECT_TO_SLAVES_REQUEST",
  "CREATE_CLUSTER_PEER_CONNECTION_REQUEST",
  "ADD_ROOT_BLOCK_REQUEST", // creates shards, like PING with a root tip
  "ADD_MINOR_BLOCK_HEADER_REQUEST", // slave -> master
  "ADD_MINOR_BLOCK_HEADER_LIST_REQUEST", // slave -> master
  "ADD_XSHARD_TX_LIST_REQUEST", // mesh only
  "BATCH_ADD_XSHARD_TX_LIST_REQUEST", // mesh only
] as const satisfies ReadonlyArray<RequestName<ClusterOpDefs>>;
export type ClusterLayerOp = (typeof clusterLayerOps)[number];
export type BackendOp = Exclude<RequestName<ClusterOpDefs>, ClusterLayerOp>;

const clusterLayerOpSet: ReadonlySet<string> = new Set(clusterLayerOps);
/** Whether the backend answers this master request (the rest are the cluster layer's own). */
export function isBackendOp(name: string): name is BackendOp {
  return !clusterLayerOpSet.has(name);
}

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

/**
 * A peer broke the protocol or a consensus rule (a bad request, a block that fails
 * validation, a header going back): its PeerConn closes, logged as the peer's doing
 * (pyquarkchain's close_with_error). Any other error a handler throws is the slave's own.
 */
export class PeerFault extends Error {
  override readonly name = "PeerFault";
}

/** What the backend may use of one PeerConn (its RpcConnection): calls, commands, closing it. */
export interface PeerRpc {
  readonly closed: boolean;
  call<N extends RequestName<P2POpDefs>>(
    name: N,
    request: MessageOf<P2POpDefs, N>,
    opts?: { timeoutMs?: number },
  ): Promise<ResponseOf<P2POpDefs, N>>;
  send<N extends CommandName<P2POpDefs>>(name: N, command: MessageOf<P2POpDefs, N>): void;
  close(reason: string): void;
}

/** A cross-shard list a sibling did not take: who, for which shard, why ("-": no sibling serves it). */
export interface XshardFailure {
  slave: string;
  fullShardId: number;
  error: string;
}

/**
 * What the backend may ask of the cluster while it works: the master link, the peers'
 * virtual connections, the sibling mesh. Built by the server from the master link and the
 * sibling pool, and attached once, before the master's first request.
 */
export interface SlaveContext {
  addMinorBlockHeader(request: AddMinorBlockHeaderRequest): Promise<AddMinorBlockHeaderResponse>;
  addMinorBlockHeaderList(request: AddMinorBlockHeaderListRequest): Promise<AddMinorBlockHeaderListResponse>;
  /** The PeerConn of (external peer, local shard), if one is open (pyquarkchain's shard.peers[id]). */
  peer(clusterPeerId: bigint, fullShardId: number): PeerRpc | undefined;
  /** Every open PeerConn of a local shard, for the broadcasts (pyquarkchain's shard.peers). */
  peers(fullShardId: number): Array<{ clusterPeerId: bigint; rpc: PeerRpc }>;
  /**
   * ADD_XSHARD_TX_LIST_REQUEST to every sibling link serving each request's shard, all at
   * once; the failures (a shard no sibling serves is one, with slave "-").
   */
  sendXshardTxLists(requests: readonly AddXshardTxListRequest[]): Promise<XshardFailure[]>;
  /** One BATCH_ADD_XSHARD_TX_LIST_REQUEST per sibling link serving `fullShardId`; the failures. */
  sendXshardTxListBatch(fullShardId: number, requests: readonly AddXshardTxListRequest[]): Promise<XshardFailure[]>;
}

/**
 * What the slave knows: shards, blocks, state. The cluster layer (MasterConn, PeerConn,
 * XshardConn) routes to it and answers whatever it does not serve with a well-formed
 * error response.
 */
export interface SlaveBackend {
  /** Full shard ids that exist here now: routable, visible to queries. */
  readonly readyShards: ReadonlySet<number>;
  /** The cluster, once the master has linked; called once, before createShards. */
  attach(ctx: SlaveContext): void;
  /**
   * Creates every local shard the root block makes due (GENESIS.ROOT_HEIGHT reached),
   * reporting each genesis header to the master before it resolves, as a pyquarkchain
   * slave does before it answers the PING that carried the root tip.
   */
  createShards(root: RootBlock): Promise<number[]>;
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
