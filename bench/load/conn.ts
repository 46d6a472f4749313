/**
 * The load generator's end of one TCP link, written on our codec for everything except
 * the hot path. Two modes share the socket:
 *
 * - calls (handshake, samples): encodeFrame out, decoded answers in, and the slave's own
 *   requests to its master (ADD_MINOR_BLOCK_HEADER(_LIST)) answered as a master would;
 * - load: a window of pre-encoded frames kept full. Answers are matched by op and rpc id
 *   straight from the frame header (nothing is decoded), and the frames that refill the
 *   window after a chunk of answers leave in one write, so the client is not the limit.
 */
import { type Socket, connect } from "node:net";
import { performance } from "node:perf_hooks";
import { type Codec, decode } from "../../src/codec/index.ts";
import { type LinkKind, encodeFrame, headerSize } from "../../src/cluster/frame/format.ts";
import { ClusterOp, clusterOps } from "../../src/messages/cluster.ts";
import { p2pOps } from "../../src/messages/p2p.ts";

export interface Meta {
  branch: number;
  /** cluster_peer_id: 0 for the master's own RPCs, the peer's id for forwarded p2p frames. */
  peer: number;
}

export const ROOT: Meta = { branch: 0, peer: 0 };

export interface RawFrame extends Meta {
  op: number;
  rpcId: number;
  payload: Buffer;
}

/** Units that differ from one another (e.g. blocks that chain on each other), taken in turn. */
export interface UnitSource {
  /** The next unit, or undefined when there is none left (the run then fails). */
  next(): Buffer | undefined;
}

/** What one load run keeps in flight: `unit` repeated (or a source's units), each with a fresh rpc id. */
export interface LoadSpec {
  /** One unit: zero or more command frames (rpc id 0), then exactly one request frame. */
  unit: Buffer | UnitSource;
  /** Offset in `unit` of the low 32 bits of the request's rpc id (the high 32 are 0). */
  rpcIdAt: number;
  /** The op every answer must carry. */
  responseOp: number;
  /** Units in flight. */
  window: number;
  /** Answers start with error_code (uint32) and it must be 0. */
  errorCode: boolean;
  /** Every answer's payload has exactly this size (the size of the decoded sample). */
  payloadBytes: number;
}

const MASTER_ANSWERS = new Set<number>([
  ClusterOp.ADD_MINOR_BLOCK_HEADER_REQUEST,
  ClusterOp.ADD_MINOR_BLOCK_HEADER_LIST_REQUEST,
]);
/** How long a master link is tried again while the slave's socket is not listening yet. */
export const MASTER_CONNECT_RETRY_MS = 5000;

const RING = 1 << 12; // > any window, so outstanding rpc ids never share a slot
const MASK = RING - 1;

/** Latencies (ms) and counts of one run, shared by the links it drives. */
export class Sampler {
  readonly latencies: Float64Array;
  n = 0;
  /** Answers received before the deadline (units, not frames). */
  completed = 0;
  errors: string[] = [];

  constructor(capacity: number) {
    this.latencies = new Float64Array(capacity);
  }

  error(what: string): void {
    if (this.errors.length < 5) this.errors.push(what);
  }
}

interface Run {
  spec: LoadSpec;
  sampler: Sampler;
  deadline: number; // performance.now() after which no answer counts and nothing is sent
  unitsLeft: number; // stop sending after this many units (count-bounded runs)
  inflight: number;
  sent: Float64Array;
  ids: Float64Array;
  done: () => void;
}

interface PendingCall {
  responseOp: number;
  resolve(f: RawFrame): void;
  reject(e: Error): void;
}

export class BenchConn {
  readonly socket: Socket;
  readonly link: LinkKind;
  private readonly head: number;
  private lastRpcId = 0;
  private readonly pending = new Map<number, PendingCall>();
  private parts: Buffer[] = [];
  private partsLen = 0;
  private need = 0;
  private run: Run | undefined;
  private closedError: Error | undefined;
  /** Unexpected frames and protocol problems seen outside a run. */
  readonly problems: string[] = [];
  /** The last answer payload seen per request op (the ideal slave replays them). */
  readonly samples = new Map<number, Buffer>();
  /** The slave's own requests this link answered, per op, and the first frame of each (replayed by the ideal slave). */
  readonly slaveRequests = new Map<number, { count: number; frame: Buffer }>();
  /** Frames the slave sends on behalf of a forwarded peer (cluster_peer_id != 0): the bench plays that peer. */
  onPeerFrame: ((frame: RawFrame) => void) | undefined;
  /** Each ADD_MINOR_BLOCK_HEADER_REQUEST of the slave, once answered. */
  onHeaderReport: ((frame: RawFrame) => void) | undefined;

  private constructor(socket: Socket, link: LinkKind) {
    this.socket = socket;
    this.link = link;
    this.head = headerSize(link);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.data(chunk));
    socket.on("error", (err) => this.closed(err));
    socket.on("close", () => this.closed(new Error("connection closed by the slave")));
  }

  /**
   * `refusedForMs`: how long a refused connection is tried again. pyquarkchain's SlaveServer
   * says it is up before its listening socket exists, and a probe cannot be used instead:
   * the first connection a slave accepts is its master.
   */
  static async connect(port: number, link: LinkKind, refusedForMs = 0): Promise<BenchConn> {
    const deadline = performance.now() + refusedForMs;
    for (;;) {
      try {
        return await new Promise<BenchConn>((resolve, reject) => {
          const socket = connect({ host: "127.0.0.1", port });
          socket.once("error", reject);
          socket.once("connect", () => {
            socket.off("error", reject);
            resolve(new BenchConn(socket, link));
          });
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ECONNREFUSED" || performance.now() >= deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** A frame of this link around `msg`, as the load's unit template (rpc id patched per send). */
  frame<T>(op: number, codec: Codec<T>, msg: T, meta: Meta = ROOT, rpcId = 1): Buffer {
    return encodeFrame(
      this.link,
      { branch: meta.branch, clusterPeerId: BigInt(meta.peer), op, rpcId: BigInt(rpcId) },
      codec,
      msg,
    );
  }

  /** Where the low half of the rpc id sits in a frame of this link. */
  get rpcIdAt(): number {
    return this.head - 4;
  }

  /** Sends one request and resolves with its answer (not decoded here). */
  call<T>(
    op: number,
    codec: Codec<T>,
    msg: T,
    responseOp: number,
    meta: Meta = ROOT,
    timeoutMs = 20_000,
  ): Promise<RawFrame> {
    if (this.closedError) return Promise.reject(this.closedError);
    const rpcId = ++this.lastRpcId;
    return new Promise<RawFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rpcId);
        reject(new Error(`no answer to op ${op} (rpc id ${rpcId}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(rpcId, {
        responseOp,
        resolve: (f) => {
          clearTimeout(timer);
          this.samples.set(op, Buffer.from(f.payload));
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(this.frame(op, codec, msg, meta, rpcId));
    });
  }

  /**
   * Keeps `spec.window` units in flight until `durationMs` has passed (or `units` units were
   * sent), then waits for the last answers. Answers that arrive before the deadline count.
   */
  load(spec: LoadSpec, sampler: Sampler, opts: { durationMs?: number; units?: number }): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (spec.window >= RING) throw new Error(`window ${spec.window} too large`);
    return new Promise<void>((resolve) => {
      const now = performance.now();
      this.run = {
        spec,
        sampler,
        deadline: opts.durationMs === undefined ? Infinity : now + opts.durationMs,
        unitsLeft: opts.units ?? Infinity,
        inflight: 0,
        sent: new Float64Array(RING),
        ids: new Float64Array(RING),
        done: () => {
          this.run = undefined;
          resolve();
        },
      };
      this.topUp(this.run, now);
    });
  }

  close(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private closed(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (this.run) {
      this.run.sampler.error(`link closed during the run: ${err.message}`);
      this.run.done();
    }
  }

  private data(chunk: Buffer): void {
    const now = performance.now();
    let buf = chunk;
    if (this.partsLen > 0) {
      // A frame spans chunks: wait until all of it is here, then join once.
      this.parts.push(chunk);
      this.partsLen += chunk.length;
      if (this.partsLen < this.need) return;
      buf = Buffer.concat(this.parts, this.partsLen);
      this.parts = [];
      this.partsLen = 0;
    }
    const head = this.head;
    const end = buf.length;
    const run = this.run;
    let at = 0;
    while (end - at >= head) {
      const size = buf.readUInt32BE(at);
      const total = head + size;
      if (end - at < total) break;
      const op = buf[at + head - 9]!;
      if (run !== undefined && op === run.spec.responseOp) this.answer(run, buf, at, size, now);
      else this.slowFrame(buf.subarray(at, at + total));
      at += total;
    }
    if (at < end) {
      const rest = buf.subarray(at);
      this.parts.push(rest);
      this.partsLen = rest.length;
      this.need = rest.length >= 4 ? head + rest.readUInt32BE(0) : head;
    }
    if (run !== undefined && this.run === run) this.topUp(run, now);
  }

  private answer(run: Run, buf: Buffer, at: number, size: number, now: number): void {
    const head = this.head;
    const s = run.sampler;
    const id = buf.readUInt32BE(at + head - 4);
    const slot = id & MASK;
    if (buf.readUInt32BE(at + head - 8) !== 0 || run.ids[slot] !== id) {
      s.error(`answer with rpc id ${id} that is not in flight`);
      return;
    }
    run.ids[slot] = 0;
    run.inflight--;
    if (size !== run.spec.payloadBytes) s.error(`answer of ${size} bytes, expected ${run.spec.payloadBytes}`);
    else if (run.spec.errorCode && buf.readUInt32BE(at + head) !== 0) {
      s.error(`error_code ${buf.readUInt32BE(at + head)}`);
    }
    if (now <= run.deadline) {
      s.completed++;
      if (s.n < s.latencies.length) s.latencies[s.n++] = now - run.sent[slot]!;
    }
  }

  /** Refills the window with one write, or ends the run once it is past its end and drained. */
  private topUp(run: Run, now: number): void {
    const spec = run.spec;
    const n = now > run.deadline ? 0 : Math.min(spec.window - run.inflight, run.unitsLeft);
    if (n <= 0) {
      if (run.inflight === 0) run.done();
      return;
    }
    const unit = spec.unit;
    if (!Buffer.isBuffer(unit)) return this.topUpFrom(unit, run, n, now);
    const len = unit.length;
    const out = Buffer.allocUnsafe(n * len);
    for (let i = 0; i < n; i++) {
      const off = i * len;
      unit.copy(out, off);
      const id = ++this.lastRpcId;
      out.writeUInt32BE(id, off + spec.rpcIdAt);
      run.sent[id & MASK] = now;
      run.ids[id & MASK] = id;
    }
    run.inflight += n;
    run.unitsLeft -= n;
    this.socket.write(out);
  }

  /** topUp with units of a source (their own bytes: patched in place, each is sent once). */
  private topUpFrom(source: UnitSource, run: Run, n: number, now: number): void {
    const units: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const unit = source.next();
      if (unit === undefined) {
        run.sampler.error("the unit source ran out");
        run.unitsLeft = 0;
        break;
      }
      const id = ++this.lastRpcId;
      unit.writeUInt32BE(id, run.spec.rpcIdAt);
      run.sent[id & MASK] = now;
      run.ids[id & MASK] = id;
      units.push(unit);
    }
    run.inflight += units.length;
    run.unitsLeft -= units.length;
    if (units.length) this.socket.write(units.length === 1 ? units[0]! : Buffer.concat(units));
    else if (run.inflight === 0) run.done();
  }

  private slowFrame(f: Buffer): void {
    const head = this.head;
    const meta = this.link === "master";
    const frame: RawFrame = {
      branch: this.link === "slave" ? 0 : f.readUInt32BE(4),
      peer: meta ? f.readUInt32BE(8) * 2 ** 32 + f.readUInt32BE(12) : 0,
      op: f[head - 9]!,
      rpcId: f.readUInt32BE(head - 8) * 2 ** 32 + f.readUInt32BE(head - 4),
      payload: f.subarray(head),
    };
    const p = this.pending.get(frame.rpcId);
    if (p && p.responseOp === frame.op) {
      this.pending.delete(frame.rpcId);
      p.resolve(frame);
      return;
    }
    // The slave's own requests to its master, answered as pyquarkchain's master does.
    if (frame.peer === 0 && MASTER_ANSWERS.has(frame.op)) {
      const seen = this.slaveRequests.get(frame.op);
      if (seen) seen.count++;
      else this.slaveRequests.set(frame.op, { count: 1, frame: Buffer.from(f) });
    }
    if (frame.peer === 0 && frame.op === ClusterOp.ADD_MINOR_BLOCK_HEADER_REQUEST) {
      const res = { error_code: 0, artificial_tx_config: { target_root_block_time: 60, target_minor_block_time: 10 } };
      const rop = ClusterOp.ADD_MINOR_BLOCK_HEADER_RESPONSE;
      this.socket.write(this.frame(rop, clusterOps.byOp(rop)!.message, res, ROOT, frame.rpcId));
      this.onHeaderReport?.(frame);
      return;
    }
    if (frame.peer !== 0 && this.onPeerFrame) return this.onPeerFrame(frame);
    if (frame.peer === 0 && frame.op === ClusterOp.ADD_MINOR_BLOCK_HEADER_LIST_REQUEST) {
      const rop = ClusterOp.ADD_MINOR_BLOCK_HEADER_LIST_RESPONSE;
      this.socket.write(this.frame(rop, clusterOps.byOp(rop)!.message, { error_code: 0 }, ROOT, frame.rpcId));
      return;
    }
    const what = `unexpected frame op ${frame.op} rpc id ${frame.rpcId} (branch ${frame.branch}, peer ${frame.peer})`;
    if (this.run) this.run.sampler.error(what);
    else if (this.problems.length < 10) this.problems.push(what);
  }
}

/** One decoded answer: checks it, and gives the payload size the run then expects. */
export async function sample<T>(
  conn: BenchConn,
  family: "cluster" | "p2p",
  op: number,
  codec: Codec<T>,
  msg: T,
  meta: Meta = ROOT,
): Promise<{ payloadBytes: number; errorCode: boolean; value: unknown }> {
  const table = family === "cluster" ? clusterOps : p2pOps;
  const responseOp = table.byOp(op)!.responseOp!;
  const res = await conn.call(op, codec, msg, responseOp, meta);
  const value = decode(table.byOp(responseOp)!.message, res.payload) as Record<string, unknown>;
  const errorCode = "error_code" in value;
  if (errorCode && value["error_code"] !== 0)
    throw new Error(`op ${op} answered error_code ${String(value["error_code"])}`);
  return { payloadBytes: res.payload.length, errorCode, value };
}
