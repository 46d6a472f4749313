import type { Logger } from "pino";
import { PeerFault, type PeerRef, type SlaveBackend } from "../backend/api.ts";
import type { Codec } from "../codec/index.ts";
import { type P2POpDefs, p2pOps } from "../messages/p2p.ts";
import { type Frame, type FrameHeader, detached } from "./frame/format.ts";
import { type FrameSink, RpcConnection } from "./rpc-connection.ts";
import type { RpcTimings } from "./rpc-timings.ts";
import { servePeer } from "./serve.ts";
import type { SocketLink } from "./socket-link.ts";

/** Handlers of one PeerConn that may wait at the same time; later frames queue behind them. */
export const DEFAULT_PEER_CONCURRENCY = 16;
/** Frames one PeerConn may queue (beyond its running handlers) before the master link stops being read. */
export const DEFAULT_MAX_PEER_QUEUE = 1024;
/**
 * Frames that may still arrive once the master link is held: those of the chunk being
 * decoded (a 64 KiB read holds at most ~2,600 of the smallest forwarded frames).
 */
export const PEER_QUEUE_SLACK = 8192;
/** Payload bytes one PeerConn may queue before it is closed. */
export const DEFAULT_MAX_PEER_QUEUE_BYTES = 64 * 1024 * 1024;

export interface PeerConnOptions {
  log: Logger;
  rpcTimeoutMs: number;
  maxPendingCalls?: number;
  /** Handlers running at once; default DEFAULT_PEER_CONCURRENCY. */
  concurrency?: number;
  /** Queued frames at which the PeerConn reports a backlog; default DEFAULT_MAX_PEER_QUEUE. */
  maxQueuedFrames?: number;
  maxQueuedBytes?: number;
  /** The queue reached maxQueuedFrames (full) or drained to half of it (not full). */
  onBacklog?: (conn: PeerConn, full: boolean) => void;
  /** Called when a PeerConn closes because its queue overflowed (for counters). */
  onOverflow?: (conn: PeerConn) => void;
  /** RPC latencies and decode errors (metrics). */
  timings?: RpcTimings;
}

/**
 * pyquarkchain's PeerShardConnection: a virtual connection for one external peer and
 * one local shard, carried inside the master link. Frames reach it from the
 * Dispatcher; everything it writes leaves on the master socket stamped
 * (own shard, own peer id), responses included. Closing it never touches the master link.
 *
 * Bounds: at most `concurrency` of its handlers wait at once; further requests and
 * commands queue in arrival order. Answers to our own calls never queue, so a handler
 * waiting on the peer cannot deadlock. A queue of `maxQueuedFrames` reports a backlog
 * (the Dispatcher stops reading the master link: back-pressure) until it drains to half;
 * a queue that still grows past that plus what one read can hold, or past its byte cap,
 * closes this PeerConn, logged: the last resort (so does a backlog that does not drain).
 */
export class PeerConn implements FrameSink {
  readonly ref: PeerRef;
  readonly rpc: RpcConnection<P2POpDefs>;
  private readonly master: SocketLink;
  private readonly opts: PeerConnOptions;
  private readonly concurrency: number;
  private readonly maxQueuedFrames: number;
  private readonly maxQueuedBytes: number;
  private readonly queue: Frame[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private running = 0;
  private draining: string | undefined;
  private full = false;

  constructor(master: SocketLink, ref: PeerRef, backend: SlaveBackend, opts: PeerConnOptions) {
    this.master = master;
    this.ref = ref;
    this.opts = opts;
    this.concurrency = opts.concurrency ?? DEFAULT_PEER_CONCURRENCY;
    this.maxQueuedFrames = opts.maxQueuedFrames ?? DEFAULT_MAX_PEER_QUEUE;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? DEFAULT_MAX_PEER_QUEUE_BYTES;
    const name = `peer ${ref.clusterPeerId}/${ref.fullShardId}`;
    this.rpc = new RpcConnection(p2pOps, this, {
      name,
      log: opts.log,
      rpcTimeoutMs: opts.rpcTimeoutMs,
      maxPendingCalls: opts.maxPendingCalls,
      // The peer's fault (a bad request, an invalid block) closes it, logged as its doing;
      // anything else a handler throws is this slave's own failure.
      handlerFailureLevel: (err) => (err instanceof PeerFault ? "warn" : "error"),
      timings: opts.timings,
    });
    this.rpc.onClose(() => {
      this.dropQueue();
      this.setFull(false);
      backend.peerClosed?.(ref);
    });
    servePeer(this.rpc, ref, backend.peer);
  }

  get closed(): boolean {
    return this.rpc.closed;
  }

  /** Frames waiting for a handler slot. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Handlers of this PeerConn still running. */
  get inFlight(): number {
    return this.running;
  }

  /** Whether its queue is full (the master link is held for it). */
  get backlogged(): boolean {
    return this.full;
  }

  writeFrame<T>(header: FrameHeader, codec: Codec<T>, value: T): void {
    this.master.writeFrame(
      { ...header, branch: this.ref.fullShardId, clusterPeerId: this.ref.clusterPeerId },
      codec,
      value,
    );
  }

  receive(frame: Frame): void {
    if (this.rpc.closed) return;
    // Answers to our calls (and anything we do not serve, which closes us) go straight in.
    if (!this.rpc.serves(frame.op)) return void this.rpc.receive(frame);
    if (this.running < this.concurrency && this.queued === 0) return this.dispatch(frame);
    const hardCap = this.maxQueuedFrames + PEER_QUEUE_SLACK;
    if (this.queued >= hardCap || this.queuedBytes + frame.payload.length > this.maxQueuedBytes) {
      return this.overflow(`more than ${hardCap} frames or ${this.maxQueuedBytes} bytes queued`);
    }
    this.queue.push(detached(frame));
    this.queuedBytes += frame.payload.length;
    if (this.queued >= this.maxQueuedFrames) this.setFull(true);
  }

  /** The last resort: closes this PeerConn, logged, dropping its queue and failing its calls. */
  overflow(reason: string): void {
    if (this.rpc.closed) return;
    this.opts.log.warn(
      { conn: this.rpc.name, queued: this.queued, bytes: this.queuedBytes, running: this.running, reason },
      "peer connection overflowed its queue; closing it",
    );
    this.opts.onOverflow?.(this);
    this.rpc.close(reason, "overflow");
  }

  close(reason: string): void {
    this.rpc.close(reason);
  }

  /**
   * DESTROY, as pyquarkchain's EOF marker behind the queue: frames already queued are
   * still handled, then the PeerConn closes (failing its calls).
   */
  destroy(reason: string): void {
    if (this.queued === 0) return this.close(reason);
    this.draining = reason;
  }

  private dispatch(frame: Frame): void {
    const done = this.rpc.receive(frame);
    if (!done) return;
    this.running++;
    void done.then(() => {
      this.running--;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.rpc.closed && this.running < this.concurrency && this.queued > 0) {
      const frame = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Frame;
      this.queuedBytes -= frame.payload.length;
      if (this.queueHead === this.queue.length) {
        this.queue.length = 0;
        this.queueHead = 0;
      } else if (this.queueHead > 1024) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      this.dispatch(frame);
    }
    if (this.queued <= this.maxQueuedFrames / 2) this.setFull(false);
    if (this.queued === 0 && this.draining !== undefined) this.close(this.draining);
  }

  private setFull(full: boolean): void {
    if (this.full === full) return;
    this.full = full;
    this.opts.onBacklog?.(this, full);
  }

  private dropQueue(): void {
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
  }
}
