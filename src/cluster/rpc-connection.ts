import type { Logger } from "pino";
import { type Codec, DecodeError, decode } from "../codec/index.ts";
import type { CommandName, MessageOf, OpDef, OpEntry, OpTable, RequestName, ResponseOf } from "../messages/ops.ts";
import type { Frame, FrameHeader } from "./frame/format.ts";
import { RpcError } from "./rpc-errors.ts";
import type { LatencyHistogram, RpcSide, RpcTimings } from "./rpc-timings.ts";

export { RpcError } from "./rpc-errors.ts";
export type { CommandName, RequestName, ResponseOf } from "../messages/ops.ts";

/** `frame`: the request's frame, its payload the bytes as received (a view: copy what is kept). */
export type RequestHandler<D extends Record<string, OpDef>, N extends RequestName<D>> = (
  request: MessageOf<D, N>,
  frame: Frame,
) => ResponseOf<D, N> | Promise<ResponseOf<D, N>>;

export type CommandHandler<D extends Record<string, OpDef>, N extends CommandName<D>> = (
  command: MessageOf<D, N>,
  header: FrameHeader,
) => void | Promise<void>;

/**
 * Where a connection's frames go: a socket, or the master socket for a virtual
 * PeerConn (which stamps its own metadata). `header` carries the metadata the
 * protocol gives the frame: the request's, echoed, for a response; (0, 0) otherwise.
 */
export interface FrameSink {
  writeFrame<T>(header: FrameHeader, codec: Codec<T>, value: T): void;
}

export interface RpcConnectionOptions {
  /** For logs: "master", "slave S1", "peer 5/65537". */
  name: string;
  log: Logger;
  /** Default deadline of an outbound call. */
  rpcTimeoutMs: number;
  /** Calls in flight beyond this fail at once instead of queueing without bound. */
  maxPendingCalls?: number;
  /**
   * How a handler that throws is logged: "error" (default), or "warn" where a throw is how
   * a handler refuses a peer's bad request (PeerConn: pyquarkchain's close_with_error); a
   * function decides by the error.
   */
  handlerFailureLevel?: "warn" | "error" | ((err: unknown) => "warn" | "error");
  /** Latencies and decode errors, for metrics (read at scrape time). */
  timings?: RpcTimings;
}

type AnyHandler = (message: unknown, header: FrameHeader) => unknown;

interface RequestEntry {
  responseOp: number;
  response: Codec<unknown>;
  fn: AnyHandler;
  /** The answer to a request whose handler failed; without it, a failure closes the connection. */
  failed: ((err: unknown) => unknown) | undefined;
}

interface Pending {
  entry: OpEntry;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** performance.now() when sent; 0 when latencies are not measured. */
  started: number;
}

/** How many timed-out ids to remember, so their late answers are dropped instead of closing the link. */
const LATE_IDS_KEPT = 1024;

/**
 * pyquarkchain's AbstractConnection without the socket: rpc ids, the pending-call
 * table, the handler tables and close semantics. Frames come in through `receive`
 * and go out through a FrameSink, so a TCP link and a virtual PeerConn share it.
 */
export class RpcConnection<D extends Record<string, OpDef>> {
  readonly name: string;
  readonly log: Logger;
  private readonly table: OpTable<D>;
  private readonly sink: FrameSink;
  private readonly rpcTimeoutMs: number;
  private readonly maxPendingCalls: number;
  private readonly handlerFailureLevel: (err: unknown) => "warn" | "error";
  private readonly timings: RpcTimings | undefined;
  /** The kind of connection in metrics: "master", "slave" or "peer". */
  private readonly kind: string;
  /** This connection's latency histograms, by request entry: "call" and "serve". */
  private readonly latency = {
    call: new Map<OpEntry, LatencyHistogram>(),
    serve: new Map<OpEntry, LatencyHistogram>(),
  };
  private lastRpcId = 0n;
  private lastPeerRpcId = -1n;
  private readonly pending = new Map<bigint, Pending>();
  private readonly timedOut = new Set<bigint>();
  private readonly requests = new Map<number, RequestEntry>();
  private readonly commands = new Map<number, AnyHandler>();
  private readonly closeListeners: Array<(reason: string, kind: string) => void> = [];
  private closedReason: string | undefined;
  private closedKind = "local";

  constructor(table: OpTable<D>, sink: FrameSink, opts: RpcConnectionOptions) {
    this.table = table;
    this.sink = sink;
    this.name = opts.name;
    this.log = opts.log;
    this.rpcTimeoutMs = opts.rpcTimeoutMs;
    this.maxPendingCalls = opts.maxPendingCalls ?? 10_000;
    const level = opts.handlerFailureLevel ?? "error";
    this.handlerFailureLevel = typeof level === "function" ? level : () => level;
    this.timings = opts.timings;
    this.kind = opts.name.split(" ")[0]!;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get pendingCalls(): number {
    return this.pending.size;
  }

  /** Whether `op` has a request or command handler here (anything else is taken as a response). */
  serves(op: number): boolean {
    return this.requests.has(op) || this.commands.has(op);
  }

  /**
   * Serves a request op: the handler's value goes back with the response op and the request's
   * id. A handler that throws or rejects closes the connection, unless `failed` is given: its
   * value is then the answer (the connection stays up).
   */
  handle<N extends RequestName<D>>(
    name: N,
    fn: RequestHandler<D, N>,
    failed?: (err: unknown) => ResponseOf<D, N>,
  ): this {
    const entry = this.entry(name);
    const response = entry.responseOp === undefined ? undefined : this.table.byOp(entry.responseOp);
    if (!response) throw new Error(`${name} has no response op`);
    this.requests.set(entry.op, {
      responseOp: response.op,
      response: response.message,
      fn: fn as AnyHandler,
      failed: failed as ((err: unknown) => unknown) | undefined,
    });
    return this;
  }

  /** Serves a command op (rpc id 0, no answer). */
  onCommand<N extends CommandName<D>>(name: N, fn: CommandHandler<D, N>): this {
    this.commands.set(this.entry(name).op, fn as AnyHandler);
    return this;
  }

  /** `kind` is a short word for counters: "protocol", "handler", or what close was given. */
  onClose(fn: (reason: string, kind: string) => void): void {
    if (this.closedReason !== undefined) fn(this.closedReason, this.closedKind);
    else this.closeListeners.push(fn);
  }

  /** Sends a request and resolves with its response; fails on close, timeout or a full table. */
  call<N extends RequestName<D>>(
    name: N,
    request: MessageOf<D, N>,
    opts: { timeoutMs?: number } = {},
  ): Promise<ResponseOf<D, N>> {
    const entry = this.entry(name);
    if (this.closedReason !== undefined) {
      return Promise.reject(new RpcError("closed", `${this.name}: connection closed (${this.closedReason})`));
    }
    if (this.pending.size >= this.maxPendingCalls) {
      return Promise.reject(
        new RpcError("too-many-pending", `${this.name}: ${this.pending.size} calls already in flight`),
      );
    }
    const rpcId = ++this.lastRpcId;
    return new Promise<ResponseOf<D, N>>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.rpcTimeoutMs;
      const timer = setTimeout(() => this.expire(rpcId, name, timeoutMs), timeoutMs);
      timer.unref();
      const started = this.timings?.latency ? performance.now() : 0;
      this.pending.set(rpcId, { entry, resolve: resolve as (v: unknown) => void, reject, timer, started });
      try {
        this.sink.writeFrame({ branch: 0, clusterPeerId: 0n, op: entry.op, rpcId }, entry.message, request);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(rpcId);
        reject(err as Error);
      }
    });
  }

  /** Sends a command: rpc id 0, no answer. */
  send<N extends CommandName<D>>(name: N, command: MessageOf<D, N>): void {
    const entry = this.entry(name);
    this.sink.writeFrame({ branch: 0, clusterPeerId: 0n, op: entry.op, rpcId: 0n }, entry.message, command);
  }

  /**
   * One incoming frame, classified as pyquarkchain does: a command, a request (ids
   * strictly increasing), or else a response to one of our calls. Handlers start
   * synchronously, so routing and the id check happen in arrival order, and run on
   * while later frames are read. A protocol violation closes this connection. When a
   * handler waits, the returned promise settles (never rejects) once it is done.
   */
  receive(frame: Frame): Promise<void> | undefined {
    if (this.closedReason !== undefined) return;
    const entry = this.table.byOp(frame.op);
    if (!entry) {
      this.timings?.countDecodeError("unknown-op");
      return this.fail(`unknown ${this.table.family} op ${frame.op}`);
    }
    let message: unknown;
    try {
      message = decode(entry.message, frame.payload);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.timings?.countDecodeError(err.kind);
      return this.fail(`undecodable ${entry.name} payload (${frame.payload.length} bytes): ${err.message}`);
    }
    const command = this.commands.get(frame.op);
    if (command) {
      if (frame.rpcId !== 0n) return this.fail(`command ${entry.name} with non-zero rpc id ${frame.rpcId}`);
      return this.run(entry, () => command(message, frame));
    }
    const request = this.requests.get(frame.op);
    if (request) {
      if (frame.rpcId <= this.lastPeerRpcId) {
        return this.fail(`${entry.name} rpc id ${frame.rpcId} not above the previous request's ${this.lastPeerRpcId}`);
      }
      this.lastPeerRpcId = frame.rpcId;
      const started = this.timings?.latency ? performance.now() : 0;
      // A handler that does not wait is answered before the next frame is looked at, as in
      // pyquarkchain (a later frame that closes the link must not swallow this answer).
      let result: unknown;
      try {
        result = request.fn(message, frame);
        if (!(result instanceof Promise)) return void this.respond(frame, entry, request, result, started);
      } catch (err) {
        return void this.requestFailed(frame, entry, request, err, started);
      }
      // One promise per waiting request (the hot path): the answer, or the failure, settles it.
      return result.then(
        (response: unknown) => {
          try {
            this.respond(frame, entry, request, response, started);
          } catch (err) {
            this.handlerFailed(entry, err);
          }
        },
        (err: unknown) => this.requestFailed(frame, entry, request, err, started),
      );
    }
    this.settle(frame, entry, message);
  }

  private requestFailed(frame: Frame, entry: OpEntry, request: RequestEntry, err: unknown, started: number): void {
    if (request.failed === undefined) return this.handlerFailed(entry, err);
    try {
      this.respond(frame, entry, request, request.failed(err), started);
    } catch (e) {
      this.handlerFailed(entry, e);
    }
  }

  /** `started`: when the request arrived (performance.now()), for the serve-side latency; 0 untimed. */
  private respond(frame: Frame, entry: OpEntry, request: RequestEntry, response: unknown, started: number): void {
    if (this.closedReason !== undefined) return;
    const h = { branch: frame.branch, clusterPeerId: frame.clusterPeerId, op: request.responseOp, rpcId: frame.rpcId };
    this.sink.writeFrame(h, request.response, response);
    if (started !== 0) this.observe("serve", entry, started);
  }

  /** Closes once: every pending call fails at once with the reason. Idempotent. */
  close(reason: string, kind = "local"): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.closedKind = kind;
    const err = new RpcError("closed", `${this.name}: connection closed (${reason})`);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.timedOut.clear();
    for (const fn of this.closeListeners.splice(0)) fn(reason, kind);
  }

  /** A protocol error: logged once, then the connection closes. */
  fail(reason: string): undefined {
    if (this.closedReason !== undefined) return;
    this.log.warn({ conn: this.name, reason }, "closing connection on protocol error");
    this.close(reason, "protocol");
  }

  private settle(frame: Frame, entry: OpEntry, message: unknown): undefined {
    const p = this.pending.get(frame.rpcId);
    if (!p) {
      if (this.timedOut.delete(frame.rpcId)) {
        this.log.debug({ conn: this.name, op: entry.name, rpcId: frame.rpcId }, "late response after timeout dropped");
        return;
      }
      return this.fail(`unexpected ${entry.name} with rpc id ${frame.rpcId}: no call is waiting for it`);
    }
    this.pending.delete(frame.rpcId);
    clearTimeout(p.timer);
    if (p.started !== 0) this.observe("call", p.entry, p.started);
    // pyquarkchain does not check the op; a stock peer always answers request + 1, so a
    // mismatch fails that call only and leaves the link alone.
    if (frame.op !== p.entry.responseOp) {
      p.reject(new RpcError("bad-response", `${this.name}: ${p.entry.name} answered with ${entry.name}`));
    } else {
      p.resolve(message);
    }
  }

  private observe(side: RpcSide, entry: OpEntry, started: number): void {
    let h = this.latency[side].get(entry);
    if (!h) this.latency[side].set(entry, (h = this.timings!.histogram(side, this.kind, entry.name)));
    h.observe((performance.now() - started) / 1000);
  }

  private expire(rpcId: bigint, name: string, timeoutMs: number): void {
    const p = this.pending.get(rpcId);
    if (!p) return;
    this.pending.delete(rpcId);
    this.timedOut.add(rpcId);
    if (this.timedOut.size > LATE_IDS_KEPT) this.timedOut.delete(this.timedOut.values().next().value!);
    p.reject(new RpcError("timeout", `${this.name}: ${name} (rpc id ${rpcId}) got no answer within ${timeoutMs} ms`));
  }

  private run(entry: OpEntry, fn: () => unknown): Promise<void> | undefined {
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      this.handlerFailed(entry, err);
      return;
    }
    if (result instanceof Promise) {
      return result.then(
        () => {},
        (err: unknown) => this.handlerFailed(entry, err),
      );
    }
    return;
  }

  /** As in pyquarkchain, a handler that throws closes its connection. */
  private handlerFailed(entry: OpEntry, err: unknown): void {
    if (this.closedReason !== undefined) return;
    this.log[this.handlerFailureLevel(err)]({ conn: this.name, op: entry.name, err }, "handler failed");
    this.close(`${entry.name} handler failed: ${err instanceof Error ? err.message : String(err)}`, "handler");
  }

  private entry(name: string): OpEntry {
    const e = this.table.byName(name);
    if (!e) throw new Error(`unknown ${this.table.family} op ${name}`);
    return e;
  }
}
