import type { Logger } from "pino";
import type { SlaveBackend } from "../backend/backend.ts";
import type { Frame } from "./frame.ts";
import { PeerConn } from "./peer-conn.ts";
import { RateLimitedLog } from "./rate-limited-log.ts";
import type { SocketLink } from "./socket-link.ts";

export interface DispatcherOptions {
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

  constructor(
    private readonly link: SocketLink,
    private readonly local: (frame: Frame) => void,
    private readonly backend: SlaveBackend,
    private readonly opts: DispatcherOptions,
  ) {
    this.drops = new RateLimitedLog(opts.log);
  }

  route(frame: Frame): void {
    if (frame.clusterPeerId === 0n) return this.local(frame);
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
  }

  get peerCount(): number {
    return this.peerIds.size;
  }

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
      conn.close("peer destroyed by the master");
    }
  }

  /** A shard just became ready: it gets a PeerConn for every known peer. */
  addShard(fullShardId: number): void {
    for (const id of this.peerIds) this.open(id, fullShardId);
  }

  closeAll(reason: string): void {
    for (const conn of this.conns.values()) conn.close(reason);
    this.conns.clear();
  }

  private open(clusterPeerId: bigint, fullShardId: number): void {
    const k = key(clusterPeerId, fullShardId);
    if (this.conns.has(k)) return;
    const conn = new PeerConn(this.link, { clusterPeerId, fullShardId }, this.backend, this.opts);
    this.conns.set(k, conn);
  }
}

function key(clusterPeerId: bigint, fullShardId: number): string {
  return `${clusterPeerId}/${fullShardId}`;
}
