import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { Codec } from "../codec/index.ts";
import {
  type Frame,
  FrameError,
  type FrameHeader,
  type LinkKind,
  encodeFrame,
  rawFrameHeader,
} from "./frame/format.ts";
import { FrameDecoder } from "./frame/decoder.ts";
import { FrameBatch } from "./frame/batch.ts";
import type { FrameSink } from "./rpc-connection.ts";
import { RpcTimings } from "./rpc-timings.ts";
import { WireTraffic } from "./wire-traffic.ts";

/** The default deadline of one frame, from its first byte to its last (slow-loris). */
export const DEFAULT_FRAME_TIMEOUT_MS = 60_000;

/**
 * Why a link closed, in a few words a counter can be keyed by: "eof" (the peer closed),
 * "too-large"/"truncated" (a bad frame), "frame-timeout", "protocol" (the RPC layer
 * refused a frame), "refused" (who-may-connect), "handshake-timeout", "replaced",
 * "overflow" (a bound was hit), "shutdown", "socket-error" or "local".
 */
export type CloseKind = string;

/** Counters shared by every link of one slave (see SlaveServer.stats). */
export class LinkStats {
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  readonly closes = new Map<CloseKind, number>();
  /** Frames and bytes by link kind and opcode (metrics). */
  readonly traffic = new WireTraffic();
  /** RPC latencies and payload decode errors (metrics). */
  readonly rpc = new RpcTimings();
  /** Set by --trace-frames: every frame in and out, for a debug log line. */
  trace: ((link: SocketLink, dir: "in" | "out", frame: Frame | Buffer) => void) | undefined;

  frameIn(link: SocketLink, frame: Frame): void {
    this.framesIn++;
    this.traffic.frameIn(link.link, frame);
    this.trace?.(link, "in", frame);
  }

  /** One frame queued on `link`: `size` bytes, header included. */
  frameOut(link: SocketLink, clusterPeerId: bigint, op: number, size: number): void {
    this.framesOut++;
    this.traffic.frameOut(link.link, clusterPeerId, op, size);
  }

  countClose(kind: CloseKind): void {
    this.closes.set(kind, (this.closes.get(kind) ?? 0) + 1);
  }

  closesByKind(): Record<string, number> {
    return Object.fromEntries([...this.closes].sort(([a], [b]) => a.localeCompare(b)));
  }
}

export interface SocketLinkOptions {
  link: LinkKind;
  name: string;
  log: Logger;
  maxPayloadBytes?: number;
  /** A frame whose first byte arrived this long ago but whose last has not closes the link. */
  frameTimeoutMs?: number;
  stats?: LinkStats;
}

/**
 * One TCP socket: one decoder in, one writer out. The frames of one tick are encoded back
 * to back into one buffer and leave in one `write` (FrameBatch): the answers to a chunk of
 * 64 requests cost one system call, not 64. Reading pauses while the socket's write
 * buffer is over its high-water mark, so a peer that does not read cannot make us queue
 * without bound. A close flushes what is batched first (a protocol error's close must not
 * swallow the answers written before it); nothing is written once the socket is destroyed.
 *
 * Hardening around the decoder: a frame must be finished within `frameTimeoutMs` of its
 * first byte (the clock stops while we ourselves do not read); an owner may cap the bytes
 * buffered for an unfinished frame below the link's frame limit (a sibling still in its
 * handshake), and may hold reading (a sibling waiting for its verification).
 */
export class SocketLink implements FrameSink {
  readonly socket: Socket;
  readonly link: LinkKind;
  readonly name: string;
  readonly log: Logger;
  readonly frameTimeoutMs: number;
  private readonly decoder: FrameDecoder;
  private readonly batch: FrameBatch;
  private readonly stats: LinkStats | undefined;
  private onFrame: (frame: Frame) => void = () => {};
  private readonly closeListeners: Array<(reason: string, kind: CloseKind) => void> = [];
  private closedReason: string | undefined;
  private closedKind: CloseKind = "local";
  /** Why reading is paused: "congested" (our writes back up) and owner holds. */
  private readonly pauses = new Set<string>();
  private frameTimer: NodeJS.Timeout | undefined;
  private bufferLimit: number | undefined;

  constructor(socket: Socket, opts: SocketLinkOptions) {
    this.socket = socket;
    this.link = opts.link;
    this.name = opts.name;
    this.log = opts.log;
    this.stats = opts.stats;
    this.frameTimeoutMs = opts.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
    this.decoder = new FrameDecoder(opts.link, { maxPayloadBytes: opts.maxPayloadBytes });
    this.batch = new FrameBatch(opts.link, (bytes) => this.send(bytes));
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.data(chunk));
    socket.on("end", () => this.ended());
    socket.on("error", (err) => this.close(`socket error: ${err.message}`, "socket-error"));
    socket.on("close", () => this.close("socket closed", "eof"));
    socket.on("drain", () => this.release("congested"));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? "?"}:${this.socket.remotePort ?? "?"}`;
  }

  /** Bytes received that are not yet a whole frame. */
  get buffered(): number {
    return this.decoder.buffered;
  }

  /** Whether reading is paused, for whatever reason. */
  get held(): boolean {
    return this.pauses.size > 0;
  }

  /** Starts delivering frames (set once, after the owner has its handlers ready). */
  start(onFrame: (frame: Frame) => void): void {
    this.onFrame = onFrame;
  }

  onClose(fn: (reason: string, kind: CloseKind) => void): void {
    if (this.closedReason !== undefined) fn(this.closedReason, this.closedKind);
    else this.closeListeners.push(fn);
  }

  /**
   * Caps the bytes an unfinished frame may occupy (undefined: only the frame limit). Past
   * it the link closes as for a frame over the limit.
   */
  limitBuffered(bytes: number | undefined): void {
    this.bufferLimit = bytes;
  }

  /** Stops reading for `reason` until `release(reason)`; the frame deadline stops meanwhile. */
  hold(reason: string): void {
    if (this.closedReason !== undefined || this.pauses.has(reason)) return;
    this.pauses.add(reason);
    if (this.pauses.size === 1) {
      this.socket.pause();
      this.stopFrameClock();
    }
  }

  release(reason: string): void {
    if (!this.pauses.delete(reason) || this.pauses.size > 0 || this.closedReason !== undefined) return;
    this.socket.resume();
    // A frame that was cut short by our own pause gets a whole deadline again.
    this.watchFrame(true);
  }

  /** Queues one frame for this tick's write; an encoding error throws and queues nothing. */
  writeFrame<T>(header: FrameHeader, codec: Codec<T>, value: T): void {
    if (this.closedReason !== undefined) return;
    const size = this.batch.add(header, codec, value);
    const stats = this.stats;
    if (stats === undefined) return;
    stats.frameOut(this, header.clusterPeerId, header.op, size);
    // --trace-frames only: the frame encoded once more, as the bytes that left.
    stats.trace?.(this, "out", encodeFrame(this.link, header, codec, value));
  }

  /** Queues one whole, already encoded frame. Writes after close are dropped, as nothing can carry them. */
  write(frame: Uint8Array): void {
    if (this.closedReason !== undefined) return;
    this.batch.addRaw(frame);
    const stats = this.stats;
    if (stats === undefined) return;
    const h = rawFrameHeader(this.link, frame);
    stats.frameOut(this, h.clusterPeerId, h.op, frame.length);
    stats.trace?.(this, "out", Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  }

  /** Bytes of frames queued for this tick's write. */
  get pendingBytes(): number {
    return this.batch.pendingBytes;
  }

  /** Closes the socket (once); `reason` is what the logs and close listeners see. */
  close(reason: string, kind: CloseKind = "local"): void {
    if (this.closedReason !== undefined) return;
    this.batch.flush();
    this.closedReason = reason;
    this.closedKind = kind;
    this.stopFrameClock();
    this.stats?.countClose(kind);
    this.socket.destroy();
    for (const fn of this.closeListeners.splice(0)) fn(reason, kind);
  }

  private send(bytes: Buffer): void {
    // A batch left over from a close (or a socket the peer reset) has nowhere to go.
    if (this.closedReason !== undefined || this.socket.destroyed || !this.socket.writable) return;
    if (!this.socket.write(bytes)) this.hold("congested");
  }

  private data(chunk: Buffer): void {
    if (this.closedReason !== undefined) return;
    let delivered = 0;
    try {
      if (this.stats) this.stats.bytesIn += chunk.length;
      // Pulled here, handed on from here: a frame's way is socket -> decoder -> dispatcher, with no
      // callback back into this link.
      this.decoder.feed(chunk);
      for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
        delivered++;
        this.stats?.frameIn(this, frame);
        this.onFrame(frame);
      }
    } catch (err) {
      // Whatever one link sends, only that link pays for it: the process stays up.
      if (err instanceof FrameError) {
        this.log.warn({ conn: this.name, remote: this.remote, kind: err.kind, reason: err.message }, "bad frame");
        this.close(err.message, err.kind);
      } else {
        this.log.error({ conn: this.name, remote: this.remote, err }, "internal error while handling a frame");
        this.close(`internal error: ${err instanceof Error ? err.message : String(err)}`, "internal");
      }
      return;
    }
    if (this.closedReason !== undefined) return;
    if (this.bufferLimit !== undefined && this.decoder.buffered > this.bufferLimit) {
      const reason = `${this.decoder.buffered} bytes of an unfinished frame exceed the limit of ${this.bufferLimit} here`;
      this.log.warn({ conn: this.name, remote: this.remote, kind: "too-large", reason }, "bad frame");
      return this.close(reason, "too-large");
    }
    // A frame that started inside this chunk (after a whole one) gets a fresh deadline.
    this.watchFrame(delivered > 0);
  }

  /** Runs the deadline while a frame is unfinished and we are reading. */
  private watchFrame(restart: boolean): void {
    if (!this.decoder.inFrame || this.pauses.size > 0) return this.stopFrameClock();
    if (this.frameTimer && !restart) return;
    this.stopFrameClock();
    const ms = this.frameTimeoutMs;
    this.frameTimer = setTimeout(() => {
      this.frameTimer = undefined;
      const reason = `frame unfinished after ${ms} ms (${this.decoder.buffered} bytes of it received)`;
      this.log.warn({ conn: this.name, remote: this.remote, kind: "frame-timeout", reason }, "bad frame");
      this.close(reason, "frame-timeout");
    }, ms);
    this.frameTimer.unref();
  }

  private stopFrameClock(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = undefined;
  }

  private ended(): void {
    try {
      this.decoder.end();
      this.close("closed by peer", "eof");
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.log.warn({ conn: this.name, remote: this.remote, reason }, "bad frame");
      this.close(reason, "truncated");
    }
  }
}
