import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { SlaveBackend } from "../../backend/backend.ts";
import { type ClusterOpDefs, clusterOps } from "../../messages/cluster.ts";
import { RpcConnection } from "../rpc-connection.ts";
import { SocketLink } from "../socket-link.ts";

export interface SlaveIdentity {
  id: string;
  fullShardIds: readonly number[];
}

export interface XshardConnOptions {
  self: SlaveIdentity;
  backend: SlaveBackend;
  log: Logger;
  rpcTimeoutMs: number;
  maxPayloadBytes?: number;
}

/**
 * One slave-to-slave link (0-byte metadata), dialed or accepted. Either end may PING
 * once and send ADD_XSHARD_TX_LIST / BATCH_ADD_XSHARD_TX_LIST. The remote's identity
 * comes from the PING it sent (inbound) or the PONG it answered (outbound).
 */
export class XshardConn {
  readonly link: SocketLink;
  readonly rpc: RpcConnection<ClusterOpDefs>;
  remote: SlaveIdentity | undefined;
  private onPing: ((remote: SlaveIdentity) => void) | undefined;

  constructor(socket: Socket, direction: "inbound" | "outbound", opts: XshardConnOptions) {
    const name = `slave ${direction} ${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.link = new SocketLink(socket, { link: "slave", name, log: opts.log, maxPayloadBytes: opts.maxPayloadBytes });
    this.rpc = new RpcConnection(clusterOps, this.link, { name, log: opts.log, rpcTimeoutMs: opts.rpcTimeoutMs });
    this.link.onClose((reason) => this.rpc.close(reason));
    this.rpc.onClose((reason) => this.link.close(reason));

    this.rpc.handle("PING", (ping) => {
      if (this.remote) throw new Error("second PING on a slave link");
      if (ping.full_shard_id_list.length === 0) throw new Error("PING with an empty shard list");
      this.remote = { id: Buffer.from(ping.id).toString("latin1"), fullShardIds: ping.full_shard_id_list };
      // Registered only once the PONG is on its way, as pyquarkchain does.
      const remote = this.remote;
      setImmediate(() => this.onPing?.(remote));
      return { id: Buffer.from(opts.self.id, "latin1"), full_shard_id_list: [...opts.self.fullShardIds] };
    });
    this.rpc.handle("ADD_XSHARD_TX_LIST_REQUEST", async (req) => ({
      error_code: await opts.backend.addXshardTxList(req),
    }));
    this.rpc.handle("BATCH_ADD_XSHARD_TX_LIST_REQUEST", async (req) => {
      for (const item of req.add_xshard_tx_list_request_list) {
        const code = await opts.backend.addXshardTxList(item);
        if (code !== 0) return { error_code: code }; // pyquarkchain stops at the first error
      }
      return { error_code: 0 };
    });
    this.link.start((frame) => this.rpc.receive(frame));
  }

  get name(): string {
    return this.link.name;
  }

  /** Called once when the remote's PING has been answered (inbound handshake done). */
  whenPinged(fn: (remote: SlaveIdentity) => void): void {
    this.onPing = fn;
  }

  close(reason: string): void {
    this.link.close(reason);
  }
}
