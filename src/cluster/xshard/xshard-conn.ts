import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { SlaveBackend } from "../../backend/api.ts";
import { type ClusterOpDefs, clusterOps } from "../../messages/cluster.ts";
import { type Frame, detached } from "../frame/format.ts";
import type { RateLimitedLog } from "../rate-limited-log.ts";
import { RpcConnection } from "../rpc-connection.ts";
import { serveSibling } from "../serve.ts";
import { type LinkStats, SocketLink } from "../socket-link.ts";

export interface SlaveIdentity {
  id: string;
  fullShardIds: readonly number[];
}

/** How a slave names itself on the wire: a PONG, and a PING's first two fields. */
export function identityOnWire(self: SlaveIdentity): { id: Uint8Array; full_shard_id_list: number[] } {
  return { id: Buffer.from(self.id, "latin1"), full_shard_id_list: [...self.fullShardIds] };
}

/**
 * Whether an inbound sibling's PING is accepted; undefined: not known yet (the owner calls
 * `decide` later, or closes the link at its handshake deadline).
 */
export type Admission = { ok: true; unverified?: boolean } | { ok: false; reason: string } | undefined;

export interface XshardConnOptions {
  self: SlaveIdentity;
  backend: SlaveBackend;
  log: Logger;
  rpcTimeoutMs: number;
  maxPayloadBytes?: number;
  frameTimeoutMs?: number;
  maxPendingCalls?: number;
  stats?: LinkStats;
  /** Inbound links: judges the PING (default: everyone is accepted, as in pyquarkchain). */
  admit?: (remote: SlaveIdentity, conn: XshardConn) => Admission;
  /** Where refusals are logged (the same refusal repeated is logged once per interval). */
  refusals?: RateLimitedLog;
}

/** Bytes an inbound link may buffer before its sibling is verified (a sibling's PING is ~300 bytes). */
export const HANDSHAKE_BUFFER_BYTES = 64 * 1024;
/** Frames held from a sibling awaiting verification before its socket stops being read. */
const HELD_FRAMES = 16;

const PING_OP = clusterOps.byName("PING")!.op;

/**
 * One slave-to-slave link (0-byte metadata), dialed or accepted. Either end may PING
 * once and send ADD_XSHARD_TX_LIST / BATCH_ADD_XSHARD_TX_LIST. The remote's identity
 * comes from the PING it sent (inbound) or the PONG it answered (outbound).
 *
 * An inbound link goes new → (PING) → verified, or → pending → verified: its first frame
 * must be a PING, which `admit` judges. Refused, the link closes without a PONG. When the
 * master's slave list is not known yet, the PONG goes out at once (pyquarkchain's master
 * announces the list to one slave at a time, and the first one dials the others) but the
 * link serves nothing until the list confirms it: frames that arrive meanwhile are held.
 */
export class XshardConn {
  readonly link: SocketLink;
  readonly rpc: RpcConnection<ClusterOpDefs>;
  readonly direction: "inbound" | "outbound";
  remote: SlaveIdentity | undefined;
  /** Accepted without a list to check against (SiblingCheck "announced", no list at boot). */
  unverified = false;
  private state: "new" | "pending" | "verified";
  private awaiting = false;
  private readonly held: Frame[] = [];
  private onVerified: ((remote: SlaveIdentity) => void) | undefined;
  private readonly log: Logger;
  private readonly refusals: RateLimitedLog | undefined;

  constructor(socket: Socket, direction: "inbound" | "outbound", opts: XshardConnOptions) {
    const name = `slave ${direction} ${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.direction = direction;
    this.log = opts.log;
    this.refusals = opts.refusals;
    this.state = direction === "inbound" ? "new" : "verified";
    this.link = new SocketLink(socket, {
      link: "slave",
      name,
      log: opts.log,
      maxPayloadBytes: opts.maxPayloadBytes,
      frameTimeoutMs: opts.frameTimeoutMs,
      stats: opts.stats,
    });
    this.rpc = new RpcConnection(clusterOps, this.link, {
      name,
      log: opts.log,
      rpcTimeoutMs: opts.rpcTimeoutMs,
      maxPendingCalls: opts.maxPendingCalls,
      timings: opts.stats?.rpc,
    });
    if (direction === "inbound") this.link.limitBuffered(HANDSHAKE_BUFFER_BYTES);
    this.link.onClose((reason, kind) => {
      this.held.length = 0;
      this.rpc.close(reason, kind);
    });
    this.rpc.onClose((reason, kind) => this.link.close(reason, kind));

    const pong = () => identityOnWire(opts.self);
    let pinged = false;
    this.rpc.handle("PING", (ping) => {
      const id = Buffer.from(ping.id).toString("latin1");
      if (pinged) {
        this.refuse(`second PING (id ${JSON.stringify(id)}) on a slave link`);
        return pong(); // not written: the link is closed
      }
      pinged = true;
      if (direction === "outbound") return pong(); // pyquarkchain answers it; the identity stays the PONG's
      if (ping.full_shard_id_list.length === 0) {
        this.refuse(`PING (id ${JSON.stringify(id)}) with an empty shard list`); // pyquarkchain closes it too
        return pong(); // not written: the link is closed
      }
      const remote: SlaveIdentity = { id, fullShardIds: ping.full_shard_id_list };
      const admission: Admission = opts.admit ? opts.admit(remote, this) : { ok: true };
      if (admission === undefined) {
        this.remote = remote;
        this.state = "pending";
        this.awaiting = true;
        this.log.info(
          { conn: this.name, slave: id },
          "sibling PINGed before the master's slave list: answered, held until the list confirms it",
        );
        return pong();
      }
      if (!admission.ok) {
        this.refuse(admission.reason);
        return pong(); // not written: the link is closed
      }
      this.remote = remote;
      this.state = "pending";
      // Registered only once the PONG is on its way, as pyquarkchain does.
      setImmediate(() => this.verify(remote, admission.unverified === true));
      return pong();
    });
    serveSibling(this.rpc, opts.backend);
    this.link.start((frame) => this.gate(frame));
  }

  get name(): string {
    return this.link.name;
  }

  /** An inbound sibling answered, waiting for the master's list to confirm it. */
  get awaitingList(): boolean {
    return this.awaiting && !this.link.closed;
  }

  get verified(): boolean {
    return this.state === "verified" && this.remote !== undefined;
  }

  /** Called once when an inbound sibling is accepted (its PONG already written). */
  whenPinged(fn: (remote: SlaveIdentity) => void): void {
    this.onVerified = fn;
  }

  /** The verdict on a link that was waiting for the master's list. */
  decide(verdict: { ok: true; unverified?: boolean } | { ok: false; reason: string }): void {
    if (!this.awaiting || this.state !== "pending" || !this.remote) return;
    this.awaiting = false;
    if (verdict.ok) this.verify(this.remote, verdict.unverified === true);
    else this.refuse(verdict.reason);
  }

  /** Closes the link as a refused sibling: logged, no PONG. */
  refuse(reason: string): void {
    if (this.link.closed) return;
    const fields = { conn: this.name, remote: this.link.remote, slave: this.remote?.id, reason };
    if (this.refusals) this.refusals.warn(`sibling refused: ${reason}`, fields, "sibling refused");
    else this.log.warn(fields, "sibling refused");
    this.link.close(`refused: ${reason}`, "refused");
  }

  close(reason: string, kind?: string): void {
    this.link.close(reason, kind);
  }

  private gate(frame: Frame): void {
    if (this.state === "verified") return void this.rpc.receive(frame);
    if (frame.op === PING_OP) return void this.rpc.receive(frame);
    if (this.state === "new") {
      const name = clusterOps.byOp(frame.op)?.name ?? `op ${frame.op}`;
      return this.refuse(`${name} before its PING`);
    }
    // pending: the sibling already has its PONG; what it sends waits for its verification.
    this.held.push(detached(frame));
    if (this.held.length >= HELD_FRAMES) this.link.hold("unverified");
  }

  private verify(remote: SlaveIdentity, unverified: boolean): void {
    if (this.link.closed || this.state === "verified") return;
    this.state = "verified";
    this.unverified = unverified;
    this.link.limitBuffered(undefined);
    this.onVerified?.(remote);
    for (const frame of this.held.splice(0)) {
      if (this.link.closed) break;
      this.rpc.receive(frame);
    }
    this.link.release("unverified");
  }
}
