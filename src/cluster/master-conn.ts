import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { SlaveBackend } from "../backend/api.ts";
import {
  type AddMinorBlockHeaderListRequest,
  type AddMinorBlockHeaderRequest,
  type ClusterOpDefs,
  clusterOps,
} from "../messages/cluster.ts";
import type { RootBlock } from "../messages/core.ts";
import { Dispatcher } from "./dispatcher.ts";
import { RpcConnection } from "./rpc-connection.ts";
import { serveMaster } from "./serve.ts";
import { type LinkStats, SocketLink } from "./socket-link.ts";
import { type DialOptions, connectToSlave } from "./xshard/connect.ts";
import type { SiblingRegistry } from "./xshard/sibling-registry.ts";
import type { XshardPool } from "./xshard/xshard-pool.ts";
import { type SlaveIdentity, identityOnWire } from "./xshard/xshard-conn.ts";

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
 * (cluster_peer_id 0) are answered here (the ops of api.ts's clusterLayerOps) or by the
 * backend (serve.ts); forwarded peer traffic goes through the Dispatcher to PeerConns.
 * When this link closes, the slave stops.
 */
export class MasterConn {
  readonly link: SocketLink;
  readonly rpc: RpcConnection<ClusterOpDefs>;
  readonly dispatcher: Dispatcher;
  private readonly opts: MasterConnOptions;
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
    this.dispatcher = new Dispatcher(this.link, this.rpc, opts.backend, {
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
    serveMaster(this.rpc, opts.backend.master, log);
    this.link.start(this.dispatcher.route);
  }

  /** The slave's own calls to the master: a block's header, a synced list's headers. */
  addMinorBlockHeader(req: AddMinorBlockHeaderRequest) {
    return this.rpc.call("ADD_MINOR_BLOCK_HEADER_REQUEST", req);
  }

  addMinorBlockHeaderList(req: AddMinorBlockHeaderListRequest) {
    return this.rpc.call("ADD_MINOR_BLOCK_HEADER_LIST_REQUEST", req);
  }

  close(reason: string): void {
    this.link.close(reason);
  }

  private serveClusterOps(): void {
    const { self, backend, pool, log, siblings } = this.opts;
    const pong = () => identityOnWire(self);

    const createShards = async (root: RootBlock) => {
      const created = await backend.createShards(root);
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
}
