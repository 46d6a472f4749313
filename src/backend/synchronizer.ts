import type { Logger } from "pino";
import type { QuarkChainConfig } from "../config/cluster-config.ts";
import type { MinorBlockHeader } from "../messages/core.ts";
import type { PeerRpc } from "./api.ts";
import { SyncFault, type SyncTarget, runSyncTask } from "./sync-task.ts";

/** Per-peer tips waiting for a task: the oldest goes when a new peer's would exceed this. */
const MAX_QUEUED_TIPS = 64;
/**
 * How far above the header tip an announced tip may be for a peer-triggered sync: the walk
 * back keeps every header in memory. Further behind, the master's root-block sync
 * (SYNC_MINOR_BLOCK_LIST) brings the blocks. pyquarkchain has no such bound.
 */
export const MAX_SYNC_AHEAD = 20_000n;

/** Counters of every shard's synchronizer (README "Metrics": qkc_sync_*). */
export interface SyncStats {
  tasks: number;
  blocks: number;
  /** Peers dropped, by SyncFaultKind. */
  dropped: Map<string, number>;
}
export const newSyncStats = (): SyncStats => ({ tasks: 0, blocks: 0, dropped: new Map() });

export interface SynchronizerDeps {
  log: Logger;
  /** Each request's deadline (SYNC_TIMEOUT). */
  timeoutMs: number;
  /** The seal rules and max_stale_minor_block_height_diff. */
  config: QuarkChainConfig;
  stats: SyncStats;
  /** The open PeerConn of a peer on this shard. */
  peer: (clusterPeerId: bigint) => PeerRpc | undefined;
  maxAhead?: bigint;
}

/**
 * Synchronizer (shard.py): the tips peers announce, synced one task at a time. The queue keeps
 * one tip per peer (its latest: a peer's observed tip only grows), at most MAX_QUEUED_TIPS.
 * A peer at fault is dropped (its PeerConn closes, logged once) and the next tip is tried.
 */
export class Synchronizer {
  private readonly queue = new Map<bigint, MinorBlockHeader>();
  private active = false;

  constructor(
    private readonly target: SyncTarget,
    private readonly deps: SynchronizerDeps,
  ) {}

  /** Whether a task is under way (Shard.handle_new_block ignores new blocks meanwhile). */
  get running(): boolean {
    return this.active;
  }

  /**
   * The end of handle_new_minor_block_header_list_command: a task for a tip above the header
   * tip, on a root block this shard has, not on a root fork older than the confirmed tip's.
   */
  announce(clusterPeerId: bigint, header: MinorBlockHeader): void {
    const chain = this.target.chain;
    if (chain.headerTip.height >= header.height) return;
    const root = chain.rootHeader(header.hash_prev_root_block);
    if (!root) return;
    const confirmed = chain.confirmedTip;
    const confirmedRoot = confirmed && chain.rootHeader(confirmed.hash_prev_root_block);
    if (confirmedRoot && confirmedRoot.height > root.height) return;
    if (header.height - chain.headerTip.height > (this.deps.maxAhead ?? MAX_SYNC_AHEAD)) {
      this.deps.log.debug(
        { shard: this.target.fullShardId, peer: clusterPeerId },
        "announced tip too far ahead to sync",
      );
      return;
    }
    this.queue.delete(clusterPeerId);
    if (this.queue.size >= MAX_QUEUED_TIPS) this.queue.delete(this.queue.keys().next().value!);
    this.queue.set(clusterPeerId, header);
    if (!this.active) {
      this.active = true;
      void this.run();
    }
  }

  /** Tips waiting for a task. */
  get queued(): number {
    return this.queue.size;
  }

  /** A peer's PeerConn closed: its tip is no longer worth a task. */
  forget(clusterPeerId: bigint): void {
    this.queue.delete(clusterPeerId);
  }

  private async run(): Promise<void> {
    try {
      for (let next = this.take(); next; next = this.take()) await this.runTask(...next);
    } finally {
      this.active = false;
    }
  }

  private take(): [bigint, MinorBlockHeader] | undefined {
    const first = this.queue.entries().next();
    if (first.done) return undefined;
    this.queue.delete(first.value[0]);
    return first.value;
  }

  private async runTask(clusterPeerId: bigint, header: MinorBlockHeader): Promise<void> {
    const { log, stats } = this.deps;
    const peer = this.deps.peer(clusterPeerId);
    if (!peer || peer.closed) return;
    stats.tasks++;
    const started = Date.now();
    const line = { shard: this.target.fullShardId, peer: clusterPeerId, height: header.height };
    let blocks = 0;
    try {
      const { outcome } = await runSyncTask(this.target, header, peer, {
        timeoutMs: this.deps.timeoutMs,
        config: this.deps.config,
        onBlock: () => {
          blocks++;
          stats.blocks++;
        },
      });
      log.info({ ...line, outcome, blocks, ms: Date.now() - started }, "sync task done");
    } catch (err) {
      if (err instanceof SyncFault) {
        stats.dropped.set(err.kind, (stats.dropped.get(err.kind) ?? 0) + 1);
        log.warn({ ...line, blocks, reason: err.kind, detail: err.message }, "sync task: peer dropped");
        this.queue.delete(clusterPeerId);
        peer.close(`sync: ${err.message}`);
      } else {
        // The slave's own failure (the master refused a header, a sibling refused a list): the peer is not at fault.
        log.error({ ...line, blocks, err }, "sync task failed");
      }
    }
  }
}
