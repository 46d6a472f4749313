import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import type { Logger } from "pino";
import type { SlaveBackend } from "../backend/backend.ts";
import { MasterConn } from "./master-conn.ts";
import { XshardConn, type SlaveIdentity } from "./xshard/xshard-conn.ts";
import { XshardPool } from "./xshard/xshard-pool.ts";

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
  /** An inbound sibling that has not PINGed by then is closed. */
  handshakeTimeoutMs: number;
  maxPayloadBytes: number;
}

/**
 * The listening slave. As in pyquarkchain, the first accepted socket is the master
 * and every later one a sibling slave, which counts only once it has PINGed. When
 * the master link closes, everything closes and `stopped` resolves.
 */
export class SlaveServer {
  readonly pool: XshardPool;
  readonly stopped: Promise<string>;
  private readonly server: Server;
  private readonly opts: SlaveServerOptions;
  private master: MasterConn | undefined;
  private readonly handshaking = new Set<XshardConn>();
  private stop!: (reason: string) => void;
  private stopReason: string | undefined;

  constructor(opts: SlaveServerOptions) {
    this.opts = opts;
    this.pool = new XshardPool(opts.log);
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
    this.pool.closeAll(reason);
    for (const conn of this.handshaking) conn.close(reason);
    this.stop(reason);
  }

  private accept(socket: Socket): void {
    if (this.stopReason !== undefined) return void socket.destroy();
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    if (!this.master) {
      this.opts.log.info({ conn: "master", remote }, "master connected");
      this.master = new MasterConn(socket, { ...this.opts, pool: this.pool });
      this.master.link.onClose((reason) => this.shutdown(`master link closed: ${reason}`));
      return;
    }
    const conn = new XshardConn(socket, "inbound", this.opts);
    this.handshaking.add(conn);
    const deadline = setTimeout(
      () => conn.close(`no PING within ${this.opts.handshakeTimeoutMs} ms`),
      this.opts.handshakeTimeoutMs,
    );
    conn.link.onClose((reason) => {
      clearTimeout(deadline);
      if (this.handshaking.delete(conn))
        this.opts.log.info({ conn: conn.name, reason }, "slave link closed before its PING");
    });
    conn.whenPinged(() => {
      clearTimeout(deadline);
      this.handshaking.delete(conn);
      if (!conn.link.closed) this.pool.add(conn);
    });
  }
}
