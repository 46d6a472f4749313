import type { Logger } from "pino";
import type { PeerHandlers, PeerRef, SlaveBackend } from "../backend/backend.ts";
import type { Codec } from "../codec/index.ts";
import { type P2POpDefs, p2pOps } from "../messages/p2p.ts";
import type { Frame, FrameHeader } from "./frame.ts";
import { type FrameSink, RpcConnection } from "./rpc-connection.ts";
import type { SocketLink } from "./socket-link.ts";

/**
 * pyquarkchain's PeerShardConnection: a virtual connection for one external peer and
 * one local shard, carried inside the master link. Frames reach it from the
 * Dispatcher; everything it writes leaves on the master socket stamped
 * (own shard, own peer id), responses included. Closing it never touches the master link.
 */
export class PeerConn implements FrameSink {
  readonly ref: PeerRef;
  readonly rpc: RpcConnection<P2POpDefs>;
  private readonly master: SocketLink;

  constructor(master: SocketLink, ref: PeerRef, backend: SlaveBackend, opts: { log: Logger; rpcTimeoutMs: number }) {
    this.master = master;
    this.ref = ref;
    const name = `peer ${ref.clusterPeerId}/${ref.fullShardId}`;
    this.rpc = new RpcConnection(p2pOps, this, { name, log: opts.log, rpcTimeoutMs: opts.rpcTimeoutMs });
    serveBackend(this.rpc, ref, backend.peer);
  }

  get closed(): boolean {
    return this.rpc.closed;
  }

  writeFrame<T>(header: FrameHeader, codec: Codec<T>, value: T): void {
    this.master.writeFrame(
      { ...header, branch: this.ref.fullShardId, clusterPeerId: this.ref.clusterPeerId },
      codec,
      value,
    );
  }

  receive(frame: Frame): void {
    this.rpc.receive(frame);
  }

  close(reason: string): void {
    this.rpc.close(reason);
  }
}

/**
 * Registers what the backend serves. An op it does not serve stays out of the maps,
 * so a peer sending it is treated as pyquarkchain treats any op outside its maps.
 */
function serveBackend(rpc: RpcConnection<P2POpDefs>, ref: PeerRef, h: PeerHandlers): void {
  const getBlocks = h.GET_MINOR_BLOCK_LIST_REQUEST;
  if (getBlocks) rpc.handle("GET_MINOR_BLOCK_LIST_REQUEST", (req) => getBlocks(ref, req));
  const getHeaders = h.GET_MINOR_BLOCK_HEADER_LIST_REQUEST;
  if (getHeaders) rpc.handle("GET_MINOR_BLOCK_HEADER_LIST_REQUEST", (req) => getHeaders(ref, req));
  const getSkip = h.GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST;
  if (getSkip) rpc.handle("GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST", (req) => getSkip(ref, req));
  const newHeaders = h.NEW_MINOR_BLOCK_HEADER_LIST;
  rpc.onCommand("NEW_MINOR_BLOCK_HEADER_LIST", (cmd) => newHeaders?.(ref, cmd));
  const newTxs = h.NEW_TRANSACTION_LIST;
  rpc.onCommand("NEW_TRANSACTION_LIST", (cmd) => newTxs?.(ref, cmd));
  const newBlock = h.NEW_BLOCK_MINOR;
  rpc.onCommand("NEW_BLOCK_MINOR", (cmd) => newBlock?.(ref, cmd));
}
