import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { BackendOp, SlaveBackend, SlaveContext } from "../backend/backend.ts";
import { type ClusterOpDefs, clusterOps } from "../messages/cluster.ts";
import type { RootBlock } from "../messages/core.ts";
import { Dispatcher } from "./dispatcher.ts";
import { RpcConnection } from "./rpc-connection.ts";
import { type LinkStats, SocketLink } from "./socket-link.ts";
import { type DialOptions, connectToSlave } from "./xshard/connect.ts";
import type { SiblingRegistry } from "./xshard/sibling-registry.ts";
import type { XshardPool } from "./xshard/xshard-pool.ts";
import { type SlaveIdentity, identityOnWire } from "./xshard/xshard-conn.ts";

/** The error_code of an answer to an op the backend does not serve (see the README's support table). */
export const UNSUPPORTED_ERROR_CODE = 1;
/** The error_code of a CREATE for the reserved cluster peer id 0 (EINVAL; the master does not read it). */
export const RESERVED_PEER_ERROR_CODE = 22;

export interface MasterConnOptions {
  self: SlaveIdentity;
  networkShards: ReadonlySet<number>;
  backend: SlaveBackend;
  pool: XshardPool;
  log: Logger;
  rpcTimeoutMs: number;
  dialTimeoutMs: number;
  maxPayloadBytes?: number;
  frameTimeoutMs?: number;
  maxPendingCalls?: number;
  /** Frames a PeerConn may queue before the master link stops being read for it. */
  maxPeerQueue?: number;
  /** How long a full PeerConn queue may hold the master link before that PeerConn is closed. */
  peerStallMs?: number;
  stats?: LinkStats;
  /** Learns the master's slave list and the end of its boot (inbound sibling checks). */
  siblings?: SiblingRegistry;
  /** How sibling sockets are opened (tests). */
  connect?: DialOptions["connect"];
}

/**
 * The slave's end of the master link (12-byte ClusterMetadata). Cluster RPCs
 * (cluster_peer_id 0) are answered here or by the backend; forwarded peer traffic
 * goes through the Dispatcher to PeerConns. When this link closes, the slave stops.
 */
export class MasterConn implements SlaveContext {
  readonly link: SocketLink;
  readonly rpc: RpcConnection<ClusterOpDefs>;
  readonly dispatcher: Dispatcher;
  private readonly opts: MasterConnOptions;
  private readonly unsupportedLogged = new Set<string>();
  /** The master has PINGed with its root tip and had our PONG: its boot handshake is done. */
  booted = false;

  constructor(socket: Socket, opts: MasterConnOptions) {
    this.opts = opts;
    const { log, rpcTimeoutMs, maxPendingCalls } = opts;
    this.link = new SocketLink(socket, {
      link: "master",
      name: "master",
      log,
      maxPayloadBytes: opts.maxPayloadBytes,
      frameTimeoutMs: opts.frameTimeoutMs,
      stats: opts.stats,
    });
    const timings = opts.stats?.rpc;
    this.rpc = new RpcConnection(clusterOps, this.link, {
      name: "master",
      log,
      rpcTimeoutMs,
      maxPendingCalls,
      timings,
    });
    this.dispatcher = new Dispatcher(this.link, (frame) => void this.rpc.receive(frame), opts.backend, {
      networkShards: opts.networkShards,
      log,
      rpcTimeoutMs,
      maxPendingCalls,
      maxQueuedFrames: opts.maxPeerQueue,
      peerStallMs: opts.peerStallMs,
      onOverflow: () => opts.stats?.countClose("peer-overflow"),
      timings,
    });
    this.link.onClose((reason, kind) => {
      this.rpc.close(reason, kind);
      this.dispatcher.closeAll(`master link closed: ${reason}`);
    });
    this.rpc.onClose((reason, kind) => this.link.close(reason, kind));
    this.serveClusterOps();
    this.serveBackendOps();
    this.link.start((frame) => this.dispatcher.route(frame));
  }

  addMinorBlockHeader: SlaveContext["addMinorBlockHeader"] = (req) =>
    this.rpc.call("ADD_MINOR_BLOCK_HEADER_REQUEST", req);
  addMinorBlockHeaderList: SlaveContext["addMinorBlockHeaderList"] = (req) =>
    this.rpc.call("ADD_MINOR_BLOCK_HEADER_LIST_REQUEST", req);
  // The backend reaches external peers through their virtual connections (new tips and
  // transactions broadcast, blocks downloaded for SYNC_MINOR_BLOCK_LIST).
  peer: NonNullable<SlaveContext["peer"]> = (clusterPeerId, fullShardId) =>
    this.dispatcher.openPeerConn(clusterPeerId, fullShardId)?.rpc;
  peers: NonNullable<SlaveContext["peers"]> = (fullShardId) =>
    this.dispatcher.peerConnsOf(fullShardId).map((c) => ({ clusterPeerId: c.ref.clusterPeerId, rpc: c.rpc }));
  // The backend's xshard fan-out (Shard.add_block and the sync batch path) goes over the sibling mesh.
  sendXshardTxLists: NonNullable<SlaveContext["sendXshardTxLists"]> = (requests) =>
    this.opts.pool.sendXshardTxLists(requests);
  sendXshardTxListBatch: NonNullable<SlaveContext["sendXshardTxListBatch"]> = (shard, requests) =>
    this.opts.pool.sendXshardTxListBatch(shard, requests);

  close(reason: string): void {
    this.link.close(reason);
  }

  private serveClusterOps(): void {
    const { self, backend, pool, log, siblings } = this.opts;
    const pong = () => identityOnWire(self);

    const createShards = async (root: RootBlock) => {
      const created = await backend.createShards(root, this);
      for (const shard of created) this.dispatcher.addShard(shard);
      if (created.length)
        log.info({ conn: "master", shards: created, rootHeight: root.header.height }, "shards created");
    };

    // The PONG waits until the shards exist and the master has their genesis headers.
    this.rpc.handle("PING", async (ping) => {
      if (ping.root_tip) {
        await createShards(ping.root_tip);
        siblings?.booted();
        if (!this.booted) log.info({ conn: "master" }, "master link verified: boot handshake done");
        this.booted = true;
      }
      return pong();
    });

    this.rpc.handle("ADD_ROOT_BLOCK_REQUEST", async (req) => {
      const res = await backend.addRootBlock(req.root_block);
      if (res.error_code !== 0) return res;
      await createShards(req.root_block);
      return res;
    });

    this.rpc.handle("CONNECT_TO_SLAVES_REQUEST", async (req) => {
      const dialOpts: DialOptions = { ...this.opts, dialTimeoutMs: this.opts.dialTimeoutMs };
      // Siblings that PINGed before this list are judged by it before anyone is dialed.
      await siblings?.announce(req.slave_info_list);
      const results = await Promise.all(
        req.slave_info_list.map(async (info) => {
          const id = Buffer.from(info.id).toString("latin1");
          if (id === self.id || pool.has(id)) return "";
          const conn = await connectToSlave(info, dialOpts);
          if (typeof conn === "string") {
            log.warn({ conn: "master", slave: id, reason: conn }, "connect to slave failed");
            return conn;
          }
          pool.add(conn);
          return "";
        }),
      );
      return { result_list: results.map((r) => Buffer.from(r, "utf8")) };
    });

    this.rpc.handle("CREATE_CLUSTER_PEER_CONNECTION_REQUEST", (req) => {
      if (req.cluster_peer_id === 0n) {
        // RESERVED_CLUSTER_PEER_ID: its frames are the master's own; masters never assign it.
        log.warn(
          { conn: "master", peer: 0n, error_code: RESERVED_PEER_ERROR_CODE },
          "CREATE for the reserved cluster peer id 0 refused",
        );
        return { error_code: RESERVED_PEER_ERROR_CODE };
      }
      this.dispatcher.addPeer(req.cluster_peer_id);
      log.info({ conn: "master", peer: req.cluster_peer_id }, "peer connection created");
      return { error_code: 0 };
    });

    this.rpc.onCommand("DESTROY_CLUSTER_PEER_CONNECTION_COMMAND", (cmd) => {
      this.dispatcher.removePeer(cmd.cluster_peer_id);
      log.info({ conn: "master", peer: cmd.cluster_peer_id }, "peer connection destroyed");
    });
  }

  /**
   * Every other master request goes to the backend. What it does not serve gets a
   * well-formed answer with a non-zero error_code (the master link stays up), logged
   * once per op; a backend failure is answered the same way and logged each time.
   */
  private serveBackendOps(): void {
    const { backend, log } = this.opts;
    for (const entry of clusterOps.entries()) {
      if (entry.kind !== "request" || !isBackendOp(entry.name)) continue;
      const name = entry.name;
      const response = clusterOps.byOp(entry.responseOp!)!.message;
      const failed = () => ({ ...(response.zero() as object), error_code: UNSUPPORTED_ERROR_CODE });
      const handler = backend.master[name] as ((req: unknown) => unknown) | undefined;
      const backendFailed = (err: unknown): unknown => {
        log.error({ conn: "master", op: name, err }, "backend failed; answering with an error code");
        return failed();
      };
      // The backend's own answer (a value or a promise) is all a request costs here:
      // RpcConnection answers a failure with backendFailed (the master polls some ops hard).
      const serve = handler
        ? (req: unknown): unknown => handler.call(backend.master, req)
        : (): unknown => {
            if (!this.unsupportedLogged.has(name)) {
              this.unsupportedLogged.add(name);
              log.warn(
                { conn: "master", op: name, error_code: UNSUPPORTED_ERROR_CODE },
                "op not served by this backend",
              );
            }
            return failed();
          };
      type Handle = (n: string, fn: (req: unknown) => unknown, onFail: (err: unknown) => unknown) => void;
      (this.rpc.handle as Handle).call(this.rpc, name, serve, backendFailed);
    }
  }
}

const clusterLayerOps = new Set([
  "PING",
  "CONNECT_TO_SLAVES_REQUEST",
  "CREATE_CLUSTER_PEER_CONNECTION_REQUEST",
  "ADD_ROOT_BLOCK_REQUEST",
  "ADD_MINOR_BLOCK_HEADER_REQUEST",
  "ADD_MINOR_BLOCK_HEADER_LIST_REQUEST",
  "ADD_XSHARD_TX_LIST_REQUEST",
  "BATCH_ADD_XSHARD_TX_LIST_REQUEST",
]);

/** Whether the backend answers this master request (the rest are the cluster layer's own). */
export function isBackendOp(name: string): name is BackendOp {
  return !clusterLayerOps.has(name);
}
