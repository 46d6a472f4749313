import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import type { Logger } from "pino";
import type { SlaveBackend, SlaveContext } from "../backend/api.ts";
import { type AllowList, isLoopbackHost } from "../config/slave-options.ts";
import { MasterConn } from "./master-conn.ts";
import { RateLimitedLog } from "./rate-limited-log.ts";
import { DEFAULT_FRAME_TIMEOUT_MS, LinkStats } from "./socket-link.ts";
import type { DialOptions } from "./xshard/connect.ts";
import { type HostLookup, type SiblingCheck, SiblingRegistry } from "./xshard/sibling-registry.ts";
import { type Admission, XshardConn, type SlaveIdentity } from "./xshard/xshard-conn.ts";
import { XshardPool } from "./xshard/xshard-pool.ts";

/** Default cap on inbound sibling sockets open at once (handshaking or linked). */
export const DEFAULT_MAX_INBOUND = 256;
/** Default cap on inbound sockets that have not completed their handshake. */
export const DEFAULT_MAX_HANDSHAKING = 64;

export interface SlaveServerOptions {
  self: SlaveIdentity;
  /** Every full shard id of the network (the cluster config's layout). */
  networkShards: ReadonlySet<number>;
  host: string;
  port: number;
  backend: SlaveBackend;
  log: Logger;
  rpcTimeoutMs: number;
  dialTimeoutMs: number;
  /** An inbound sibling that has not PINGed (and been confirmed) by then is closed. */
  handshakeTimeoutMs: number;
  maxPayloadBytes: number;
  /** A frame must be whole this long after its first byte (default DEFAULT_FRAME_TIMEOUT_MS). */
  frameTimeoutMs?: number;
  /** Calls in flight per connection (default 10,000). */
  maxPendingCalls?: number;
  /** Frames queued per PeerConn before the master link stops being read (default DEFAULT_MAX_PEER_QUEUE). */
  maxPeerQueue?: number;
  /** A PeerConn whose full queue holds the master link this long is closed (default DEFAULT_PEER_STALL_MS). */
  peerStallMs?: number;
  maxInboundSockets?: number;
  maxHandshakeSockets?: number;
  /** Addresses that may become the master; undefined: whoever connects first (pyquarkchain). */
  masterAllow?: AllowList;
  /** Who may join as an inbound sibling; default "off" (pyquarkchain). bin/slave.ts defaults to "announced". */
  siblingCheck?: SiblingCheck;
  /** Host resolution for the sibling check (tests). */
  lookup?: HostLookup;
  /** How sibling sockets are dialed (tests). */
  connect?: DialOptions["connect"];
}

export interface SlaveStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  /** Links closed, by why. */
  closes: Record<string, number>;
  /** Sockets refused at accept, by why. */
  refused: Record<string, number>;
  pendingCalls: { master: number; siblings: number; peers: number; total: number };
  peerConns: number;
  peerQueuedFrames: number;
  peerHandlersRunning: number;
  /** PeerConns whose full queue holds the master link now. */
  peerBacklogged: number;
  inboundSockets: number;
  handshakingSockets: number;
  siblings: number;
  rss: number;
  heapUsed: number;
}

/**
 * The listening slave. As in pyquarkchain, the first accepted socket is the master
 * (if `masterAllow` admits its address) and every later one a sibling slave, which
 * counts only once it has PINGed and passed the sibling check. When the master link
 * closes, everything closes and `stopped` resolves.
 */
export class SlaveServer {
  readonly pool: XshardPool;
  readonly siblings: SiblingRegistry;
  readonly stopped: Promise<string>;
  readonly linkStats = new LinkStats();
  private readonly refusals = new Map<string, number>();
  private readonly server: Server;
  private readonly opts: SlaveServerOptions;
  private readonly refusedLog: RateLimitedLog;
  private master: MasterConn | undefined;
  /** Inbound sibling links open now; `handshaking` is the part not yet accepted. */
  private readonly inbound = new Set<XshardConn>();
  private readonly handshaking = new Set<XshardConn>();
  private stop!: (reason: string) => void;
  private stopReason: string | undefined;

  constructor(opts: SlaveServerOptions) {
    this.opts = opts;
    this.pool = new XshardPool(opts.log);
    this.siblings = new SiblingRegistry({
      selfId: opts.self.id,
      mode: opts.siblingCheck ?? "off",
      log: opts.log,
      lookup: opts.lookup,
      lookupTimeoutMs: opts.dialTimeoutMs,
    });
    this.siblings.onChange(() => this.rejudge());
    this.refusedLog = new RateLimitedLog(opts.log);
    this.stopped = new Promise((resolve) => (this.stop = resolve));
    this.server = createServer((socket) => this.accept(socket));
  }

  get masterConn(): MasterConn | undefined {
    return this.master;
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off("error", reject);
        const addr = this.server.address() as AddressInfo;
        this.opts.log.info(
          { host: addr.address, port: addr.port, id: this.opts.self.id, shards: this.opts.self.fullShardIds },
          "slave listening",
        );
        if (!this.opts.masterAllow && !isLoopbackHost(this.opts.host)) {
          this.opts.log.warn(
            { host: this.opts.host },
            "listening beyond loopback without --master-allow: whoever connects first becomes the master",
          );
        }
        resolve(addr);
      });
    });
  }

  /** Closes every socket and the listener, once; `stopped` resolves with the reason. */
  shutdown(reason: string): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.opts.log.info({ reason }, "slave shutting down");
    this.server.close();
    this.master?.close(reason);
    this.pool.closeAll(reason, "shutdown");
    for (const conn of [...this.inbound]) conn.close(reason, "shutdown");
    this.stop(reason);
  }

  /** Healthy = the master link is up and the master's boot handshake (PING with root tip) is done. */
  health(): { ok: boolean; reason: string } {
    if (this.stopReason !== undefined) return { ok: false, reason: `stopping: ${this.stopReason}` };
    if (!this.master || this.master.link.closed) return { ok: false, reason: "no master link" };
    if (!this.master.booted) return { ok: false, reason: "master linked, boot handshake not done" };
    return { ok: true, reason: "master linked and booted" };
  }

  /** Sockets refused at accept, by why. */
  refusedByKind(): Record<string, number> {
    return Object.fromEntries([...this.refusals].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Counters and gauges of the whole slave (logged on SIGUSR2 by bin/slave.ts). */
  stats(): SlaveStats {
    const master = this.master?.rpc.pendingCalls ?? 0;
    const peers = this.master?.dispatcher.load() ?? {
      pendingCalls: 0,
      queuedFrames: 0,
      inFlight: 0,
      peerConns: 0,
      backlogged: 0,
    };
    let siblings = 0;
    const conns = new Set([...this.pool.conns(), ...this.inbound]);
    for (const conn of conns) siblings += conn.rpc.pendingCalls;
    const mem = process.memoryUsage();
    return {
      framesIn: this.linkStats.framesIn,
      framesOut: this.linkStats.framesOut,
      bytesIn: this.linkStats.bytesIn,
      closes: this.linkStats.closesByKind(),
      refused: this.refusedByKind(),
      pendingCalls: { master, siblings, peers: peers.pendingCalls, total: master + siblings + peers.pendingCalls },
      peerConns: peers.peerConns,
      peerQueuedFrames: peers.queuedFrames,
      peerHandlersRunning: peers.inFlight,
      peerBacklogged: peers.backlogged,
      inboundSockets: this.inbound.size,
      handshakingSockets: this.handshaking.size,
      siblings: this.pool.size,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
    };
  }

  private refuse(socket: Socket, kind: string, reason: string): void {
    socket.on("error", () => {});
    socket.destroy();
    this.refusals.set(kind, (this.refusals.get(kind) ?? 0) + 1);
    this.refusedLog.warn(
      `refused ${kind}`,
      { remote: `${socket.remoteAddress}:${socket.remotePort}`, kind, reason },
      "connection refused",
    );
  }

  private accept(socket: Socket): void {
    if (this.stopReason !== undefined) return void socket.destroy();
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const o = this.opts;
    if (!this.master) {
      if (o.masterAllow && !o.masterAllow.allows(socket.remoteAddress)) {
        return this.refuse(
          socket,
          "master-not-allowed",
          `${socket.remoteAddress} is not in --master-allow ${o.masterAllow.text}`,
        );
      }
      o.log.info({ conn: "master", remote }, "master connected");
      this.master = new MasterConn(socket, {
        ...o,
        pool: this.pool,
        maxPeerQueue: o.maxPeerQueue,
        stats: this.linkStats,
        siblings: this.siblings,
      });
      this.master.link.onClose((reason) => this.shutdown(`master link closed: ${reason}`));
      o.backend.attach(slaveContext(this.master, this.pool));
      return;
    }
    const maxInbound = o.maxInboundSockets ?? DEFAULT_MAX_INBOUND;
    const maxHandshaking = o.maxHandshakeSockets ?? DEFAULT_MAX_HANDSHAKING;
    if (this.inbound.size >= maxInbound) {
      return this.refuse(socket, "too-many-inbound", `${this.inbound.size} inbound sockets open (cap ${maxInbound})`);
    }
    if (this.handshaking.size >= maxHandshaking) {
      return this.refuse(
        socket,
        "too-many-handshaking",
        `${this.handshaking.size} sockets in handshake (cap ${maxHandshaking})`,
      );
    }
    const conn = new XshardConn(socket, "inbound", {
      ...o,
      stats: this.linkStats,
      admit: (who, c) => this.admit(who, c),
      refusals: this.refusedLog,
    });
    this.inbound.add(conn);
    this.handshaking.add(conn);
    o.log.info({ conn: conn.name }, "slave link up");
    const deadline = setTimeout(() => {
      const reason = conn.awaitingList
        ? `not confirmed by the master's slave list within ${o.handshakeTimeoutMs} ms`
        : `no PING within ${o.handshakeTimeoutMs} ms`;
      conn.close(reason, "handshake-timeout");
    }, o.handshakeTimeoutMs);
    deadline.unref();
    conn.link.onClose((reason) => {
      clearTimeout(deadline);
      this.inbound.delete(conn);
      if (this.handshaking.delete(conn)) {
        o.log.info(
          { conn: conn.name, slave: conn.remote?.id, reason },
          conn.remote ? "slave link closed before its handshake completed" : "slave link closed before its PING",
        );
      }
    });
    conn.whenPinged(() => {
      clearTimeout(deadline);
      this.handshaking.delete(conn);
      if (!conn.link.closed) this.pool.add(conn);
    });
  }

  private admit(who: SlaveIdentity, conn: XshardConn): Admission {
    return this.siblings.judge(who.id, conn.link.socket.remoteAddress);
  }

  /** A list arrived (or the boot ended): links waiting for it are decided, unverified ones re-checked. */
  private rejudge(): void {
    for (const conn of [...this.handshaking]) {
      if (!conn.awaitingList || !conn.remote) continue;
      const verdict = this.siblings.judge(conn.remote.id, conn.link.socket.remoteAddress);
      if (verdict) conn.decide(verdict);
    }
    for (const conn of [...this.inbound]) {
      if (!conn.verified || !conn.unverified || !conn.remote) continue;
      const verdict = this.siblings.judge(conn.remote.id, conn.link.socket.remoteAddress);
      if (!verdict || verdict.ok) {
        if (verdict && !verdict.unverified) conn.unverified = false;
        continue;
      }
      conn.refuse(verdict.reason);
    }
  }
}

/**
 * What the backend may ask of the cluster: the master link's calls, the peers' virtual
 * connections (new tips and transactions broadcast, blocks downloaded for
 * SYNC_MINOR_BLOCK_LIST), and the sibling mesh (Shard.add_block's xshard fan-out).
 */
function slaveContext(master: MasterConn, pool: XshardPool): SlaveContext {
  return {
    addMinorBlockHeader: (req) => master.addMinorBlockHeader(req),
    addMinorBlockHeaderList: (req) => master.addMinorBlockHeaderList(req),
    peer: (clusterPeerId, fullShardId) => master.dispatcher.openPeerConn(clusterPeerId, fullShardId)?.rpc,
    peers: (fullShardId) =>
      master.dispatcher.peerConnsOf(fullShardId).map((c) => ({ clusterPeerId: c.ref.clusterPeerId, rpc: c.rpc })),
    sendXshardTxLists: (requests) => pool.sendXshardTxLists(requests),
    sendXshardTxListBatch: (fullShardId, requests) => pool.sendXshardTxListBatch(fullShardId, requests),
  };
}
