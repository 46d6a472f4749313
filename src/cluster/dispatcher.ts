import type { Logger } from "pino";
import type { SlaveBackend } from "../backend/api.ts";
import type { ClusterOpDefs } from "../messages/cluster.ts";
import type { Frame } from "./frame/format.ts";
import { PeerConn, type PeerConnOptions } from "./peer-conn.ts";
import { RateLimitedLog } from "./rate-limited-log.ts";
import type { RpcConnection } from "./rpc-connection.ts";
import type { SocketLink } from "./socket-link.ts";

/** How long the master link may stay held for one PeerConn's backlog before that PeerConn is closed. */
export const DEFAULT_PEER_STALL_MS = 5_000;

export interface DispatcherOptions extends PeerConnOptions {
  /** A PeerConn whose full queue has held the master link this long is closed. */
  peerStallMs?: number;
  /** Every full shard id of the network, to tell a bad branch from a shard that is elsewhere. */
  networkShards: ReadonlySet<number>;
  log: Logger;
  rpcTimeoutMs: number;
}

/**
 * Routes the master link's frames by metadata, before any parsing, in arrival order:
 * cluster_peer_id 0 is the master's own RPC; anything else belongs to the PeerConn of
 * (cluster_peer_id, branch). Also owns the peer registry that CREATE/DESTROY edit.
 */
export class Dispatcher {
  private readonly peerIds = new Set<bigint>();
  private readonly conns = new Map<string, PeerConn>();
  private readonly drops: RateLimitedLog;
  /** PeerConns with a full queue, each with the deadline to drain it. */
  private readonly backlogged = new Map<PeerConn, NodeJS.Timeout>();

  constructor(
    private readonly link: SocketLink,
    /** The master's own RPC (cluster_peer_id 0). */
    private readonly master: RpcConnection<ClusterOpDefs>,
    private readonly backend: SlaveBackend,
    private readonly opts: DispatcherOptions,
  ) {
    this.drops = new RateLimitedLog(opts.log);
  }

  /** The link's frame handler: a property, so the link calls it with no closure of its owner in between. */
  readonly route = (frame: Frame): void => {
    if (frame.clusterPeerId === 0n) return void this.master.receive(frame);
    if (!this.opts.networkShards.has(frame.branch)) {
      // pyquarkchain closes the master link here (and so shuts the slave down).
      this.opts.log.error(
        { conn: "master", branch: frame.branch, peer: frame.clusterPeerId },
        "incorrect forwarding branch",
      );
      return this.link.close(`incorrect forwarding branch ${frame.branch}`);
    }
    if (!this.backend.readyShards.has(frame.branch)) {
      return this.drops.warn(
        `shard ${frame.branch}`,
        { branch: frame.branch, peer: frame.clusterPeerId, op: frame.op },
        "frame for a shard that is not local (yet) dropped",
      );
    }
    const conn = this.conns.get(key(frame.clusterPeerId, frame.branch));
    if (!conn) {
      return this.drops.warn(
        `peer ${frame.clusterPeerId}`,
        { branch: frame.branch, peer: frame.clusterPeerId, op: frame.op },
        "frame for an unknown peer dropped",
      );
    }
    conn.receive(frame);
  };

  get peerCount(): number {
    return this.peerIds.size;
  }

  /** The PeerConn of (peer, shard), closed ones included (until the master's DESTROY). */
  peerConn(clusterPeerId: bigint, fullShardId: number): PeerConn | undefined {
    return this.conns.get(key(clusterPeerId, fullShardId));
  }

  /** CREATE: a PeerConn per ready shard; idempotent. Shards created later get one too (addShard). */
  addPeer(clusterPeerId: bigint): void {
    this.peerIds.add(clusterPeerId);
    for (const shard of this.backend.readyShards) this.open(clusterPeerId, shard);
  }

  /** DESTROY: closes that peer's PeerConns (failing their calls); an unknown id is a no-op. */
  removePeer(clusterPeerId: bigint): void {
    this.peerIds.delete(clusterPeerId);
    for (const [k, conn] of this.conns) {
      if (conn.ref.clusterPeerId !== clusterPeerId) continue;
      this.conns.delete(k);
      conn.destroy("peer destroyed by the master");
    }
  }

  /** The open PeerConn of (peer, shard), if any: pyquarkchain's shard.peers[cluster_peer_id]. */
  openPeerConn(clusterPeerId: bigint, fullShardId: number): PeerConn | undefined {
    const conn = this.conns.get(key(clusterPeerId, fullShardId));
    return conn && !conn.closed ? conn : undefined;
  }

  /** Every open PeerConn of a shard: pyquarkchain's shard.peers, for the broadcasts. */
  peerConnsOf(fullShardId: number): PeerConn[] {
    const out: PeerConn[] = [];
    for (const conn of this.conns.values()) if (conn.ref.fullShardId === fullShardId && !conn.closed) out.push(conn);
    return out;
  }

  /** A shard just became ready: it gets a PeerConn for every known peer. */
  addShard(fullShardId: number): void {
    for (const id of this.peerIds) this.open(id, fullShardId);
  }

  /** Calls in flight from every PeerConn, frames queued in them, and PeerConns open. */
  load(): { pendingCalls: number; queuedFrames: number; inFlight: number; peerConns: number; backlogged: number } {
    let pendingCalls = 0;
    let queuedFrames = 0;
    let inFlight = 0;
    let open = 0;
    for (const conn of this.conns.values()) {
      // A PeerConn closed on a peer's error stays in the map (its later frames are dropped) but is not open.
      if (!conn.closed) open++;
      pendingCalls += conn.rpc.pendingCalls;
      queuedFrames += conn.queued;
      inFlight += conn.inFlight;
    }
    return { pendingCalls, queuedFrames, inFlight, peerConns: open, backlogged: this.backlogged.size };
  }

  closeAll(reason: string): void {
    for (const conn of this.conns.values()) conn.close(reason);
    this.conns.clear();
  }

  private open(clusterPeerId: bigint, fullShardId: number): void {
    const k = key(clusterPeerId, fullShardId);
    if (this.conns.has(k)) return;
    const conn = new PeerConn(this.link, { clusterPeerId, fullShardId }, this.backend, {
      ...this.opts,
      onBacklog: (c, full) => this.backlog(c, full),
    });
    this.conns.set(k, conn);
  }

  /**
   * Back-pressure: while a PeerConn's queue is full the master link is not read (the
   * master's writes wait in TCP). If it does not drain within peerStallMs, that PeerConn
   * is closed (the last resort) and reading resumes.
   */
  private backlog(conn: PeerConn, full: boolean): void {
    if (full) {
      const ms = this.opts.peerStallMs ?? DEFAULT_PEER_STALL_MS;
      const timer = setTimeout(() => conn.overflow(`its queue stayed full for ${ms} ms`), ms);
      timer.unref();
      this.backlogged.set(conn, timer);
      this.drops.warn(
        "backlog",
        { conn: conn.rpc.name, queued: conn.queued, running: conn.inFlight },
        "peer connection backlogged: the master link is not read until it drains",
      );
      this.link.hold("peer-backlog");
      return;
    }
    const timer = this.backlogged.get(conn);
    if (!timer) return;
    clearTimeout(timer);
    this.backlogged.delete(conn);
    if (this.backlogged.size === 0) this.link.release("peer-backlog");
  }
}

function key(clusterPeerId: bigint, fullShardId: number): string {
  return `${clusterPeerId}/${fullShardId}`;
}
