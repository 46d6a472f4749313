import { type Socket, connect } from "node:net";
import { type Codec, decode } from "../src/codec/index.ts";
import {
  type Frame,
  type FrameHeader,
  type LinkKind,
  encodeFrame,
  encodeRawFrame,
} from "../src/cluster/frame/format.ts";
import { FrameDecoder } from "../src/cluster/frame/decoder.ts";
import type { RequestName, ResponseOf } from "../src/cluster/rpc-connection.ts";
import { type ClusterMessage, type ClusterOpDefs, clusterOps } from "../src/messages/cluster.ts";
import { type P2PMessage, type P2POpName, p2pOps } from "../src/messages/p2p.ts";

/**
 * A raw protocol endpoint for tests, written on the frame codec only (no RpcConnection):
 * it records every frame both ways, answers the requests it has a handler for, keeps its
 * own rpc ids for its calls, and can write anything at all (raw bytes included).
 */

export type ClusterRequest = RequestName<ClusterOpDefs>;
export type ClusterResponse<N extends ClusterRequest> = ResponseOf<ClusterOpDefs, N>;

/** ClusterMetadata of a frame (0-byte links ignore it). */
export interface Metadata {
  branch: number;
  clusterPeerId: bigint;
}

export const ROOT_META: Metadata = { branch: 0, clusterPeerId: 0n };

/** One line of the link's history, in the order this end saw it. */
export interface TraceEntry extends FrameHeader {
  seq: number;
  dir: "in" | "out";
}

export interface ReceivedFrame extends Frame {
  seq: number;
}

type RequestHandler = (message: unknown, frame: ReceivedFrame) => unknown;

interface PendingCall {
  responseOp: number;
  codec: Codec<unknown>;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

interface FrameWaiter {
  pred: (f: ReceivedFrame) => boolean;
  after: number;
  resolve(f: ReceivedFrame): void;
}

/** How long a helper waits for something before failing the test with a clear message. */
export const WAIT_MS = 10_000;

/** Rejects with `what` if `p` has not settled within `ms`; the timer never keeps the process alive. */
export function within<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    timer.unref();
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** A TCP connection to 127.0.0.1:port, once it is established. */
export function dialSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

let seqCounter = 0;
/** A process-wide order of events, so frames seen by different test endpoints can be compared. */
export function nextSeq(): number {
  return ++seqCounter;
}

export class FrameSocket {
  readonly socket: Socket;
  readonly link: LinkKind;
  readonly name: string;
  /** Every frame received, in order. */
  readonly frames: ReceivedFrame[] = [];
  /** Every frame received or sent, in order. */
  readonly trace: TraceEntry[] = [];
  /** Set if the bytes the other end sent did not decode as frames. */
  decodeError: Error | undefined;
  readonly closed: Promise<void>;
  private isClosedFlag = false;
  private lastRpcId = 0n;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<bigint, PendingCall>();
  private readonly handlers = new Map<number, RequestHandler>();
  private waiters: FrameWaiter[] = [];

  constructor(socket: Socket, link: LinkKind, name: string = link) {
    this.socket = socket;
    this.link = link;
    this.name = name;
    this.decoder = new FrameDecoder(link, { maxPayloadBytes: 2 ** 32 - 1 });
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.isClosedFlag = true;
        const err = new Error(`${this.name}: connection closed`);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolve();
      });
    });
    socket.on("error", () => {}); // "close" follows; tests look at that
    socket.on("data", (chunk: Buffer) => {
      try {
        this.decoder.push(chunk, (f) => this.receive(f));
      } catch (err) {
        this.decodeError = err as Error;
        socket.destroy();
      }
    });
  }

  static async connect(port: number, link: LinkKind, name?: string): Promise<FrameSocket> {
    return new FrameSocket(await dialSocket(port), link, name);
  }

  get isClosed(): boolean {
    return this.isClosedFlag;
  }

  /** The seq of the latest event, to wait for frames that come after it. */
  mark(): number {
    return seqCounter;
  }

  /** Answers a cluster request op the other end sends; returning undefined leaves it unanswered. */
  onRequest<N extends ClusterRequest>(
    name: N,
    fn: (
      req: ClusterMessage<N>,
      frame: ReceivedFrame,
    ) => ClusterResponse<N> | undefined | Promise<ClusterResponse<N> | undefined>,
  ): this {
    this.handlers.set(clusterOps.byName(name)!.op, fn as RequestHandler);
    return this;
  }

  /** Sends a cluster request with this end's next rpc id and resolves with the decoded response. */
  call<N extends ClusterRequest>(
    name: N,
    msg: ClusterMessage<N>,
    meta: Metadata = ROOT_META,
  ): Promise<ClusterResponse<N>> {
    return this.request(name, msg, meta).response;
  }

  /** Like call, but also says which rpc id went out. */
  request<N extends ClusterRequest>(
    name: N,
    msg: ClusterMessage<N>,
    meta: Metadata = ROOT_META,
  ): { rpcId: bigint; response: Promise<ClusterResponse<N>> } {
    const entry = clusterOps.byName(name)!;
    const responseEntry = clusterOps.byOp(entry.responseOp!)!;
    const rpcId = ++this.lastRpcId;
    const response = new Promise<ClusterResponse<N>>((resolve, reject) => {
      if (this.isClosedFlag) return reject(new Error(`${this.name}: connection closed`));
      this.pending.set(rpcId, {
        responseOp: responseEntry.op,
        codec: responseEntry.message,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
    });
    this.sendFrame({ ...meta, op: entry.op, rpcId }, entry.message, msg);
    return { rpcId, response: within(response, `${this.name}: response to ${name} (rpc id ${rpcId})`) };
  }

  /** Sends a cluster op exactly as told (any rpc id, any metadata), outside the call bookkeeping. */
  send<N extends keyof ClusterOpDefs & string>(
    name: N,
    msg: ClusterMessage<N>,
    opts: Partial<Metadata> & { rpcId: bigint },
  ): void {
    const entry = clusterOps.byName(name)!;
    this.sendFrame(
      { branch: opts.branch ?? 0, clusterPeerId: opts.clusterPeerId ?? 0n, op: entry.op, rpcId: opts.rpcId },
      entry.message,
      msg,
    );
  }

  /** Sends a P2P op as a master forwards it: ClusterMetadata(branch, cluster_peer_id). */
  sendP2P<N extends P2POpName>(name: N, msg: P2PMessage<N>, opts: Metadata & { rpcId: bigint }): void {
    const entry = p2pOps.byName(name)!;
    this.sendFrame(
      { branch: opts.branch, clusterPeerId: opts.clusterPeerId, op: entry.op, rpcId: opts.rpcId },
      entry.message,
      msg,
    );
  }

  sendFrame<T>(header: FrameHeader, codec: Codec<T>, value: T): void {
    this.writeTraced(header, encodeFrame(this.link, header, codec, value));
  }

  /** A frame around payload bytes given as they are (undecodable ones included). */
  sendRawFrame(header: FrameHeader, payload: Uint8Array): void {
    this.writeTraced(header, encodeRawFrame(this.link, header, payload));
  }

  /** Bytes straight onto the socket. */
  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves with the first frame (after `after`, a seq) that matches. */
  waitFrame(pred: (f: ReceivedFrame) => boolean, what = "a frame", after = 0): Promise<ReceivedFrame> {
    const found = this.frames.find((f) => f.seq > after && pred(f));
    if (found) return Promise.resolve(found);
    const p = new Promise<ReceivedFrame>((resolve) => this.waiters.push({ pred, after, resolve }));
    return within(p, `${this.name}: ${what}`);
  }

  waitClosed(what = "the link to close"): Promise<void> {
    return within(this.closed, `${this.name}: ${what}`);
  }

  /** Stops reading: the other end's writes pile up in the kernel, then in its own buffer. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** A clean close (FIN), as a process that exits would. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private writeTraced(header: FrameHeader, bytes: Buffer): void {
    this.trace.push({ ...header, seq: nextSeq(), dir: "out" });
    this.socket.write(bytes);
  }

  private receive(frame: Frame): void {
    // The decoder hands out views of its chunks; keep a copy so frames can be inspected later.
    const f: ReceivedFrame = { ...frame, payload: Buffer.from(frame.payload), seq: nextSeq() };
    this.frames.push(f);
    this.trace.push({
      branch: f.branch,
      clusterPeerId: f.clusterPeerId,
      op: f.op,
      rpcId: f.rpcId,
      seq: f.seq,
      dir: "in",
    });
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (f.seq > w.after && w.pred(f)) w.resolve(f);
      else this.waiters.push(w);
    }
    // Forwarded peer traffic is only recorded; cluster ops are classified as a stock end would.
    if (f.clusterPeerId !== 0n) return;
    const entry = clusterOps.byOp(f.op);
    if (!entry) return;
    const handler = this.handlers.get(f.op);
    if (entry.kind === "request" && handler) {
      const responseEntry = clusterOps.byOp(entry.responseOp!)!;
      void Promise.resolve(handler(decode(entry.message, f.payload), f)).then((response) => {
        if (response === undefined || this.isClosedFlag) return;
        this.sendFrame(
          { branch: f.branch, clusterPeerId: f.clusterPeerId, op: responseEntry.op, rpcId: f.rpcId },
          responseEntry.message,
          response,
        );
      });
      return;
    }
    if (entry.kind !== "request") {
      const p = this.pending.get(f.rpcId);
      if (p && p.responseOp === f.op) {
        this.pending.delete(f.rpcId);
        try {
          p.resolve(decode(p.codec, f.payload));
        } catch (err) {
          p.reject(err as Error);
        }
      }
    }
  }
}

/** Decodes a received frame's payload as the message of its cluster op. */
export function decodeCluster<N extends keyof ClusterOpDefs & string>(name: N, frame: Frame): ClusterMessage<N> {
  const entry = clusterOps.byName(name)!;
  if (frame.op !== entry.op) throw new Error(`expected ${name} (${entry.op}), got op ${frame.op}`);
  return decode(entry.message, frame.payload) as ClusterMessage<N>;
}

/** Decodes a received frame's payload as the message of its P2P op. */
export function decodeP2P<N extends P2POpName>(name: N, frame: Frame): P2PMessage<N> {
  const entry = p2pOps.byName(name)!;
  if (frame.op !== entry.op) throw new Error(`expected ${name} (${entry.op}), got op ${frame.op}`);
  return decode(entry.message, frame.payload) as P2PMessage<N>;
}

export function opOf(name: keyof ClusterOpDefs & string): number {
  return clusterOps.byName(name)!.op;
}

export function p2pOpOf(name: P2POpName): number {
  return p2pOps.byName(name)!.op;
}
