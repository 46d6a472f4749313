import type { Logger } from "pino";
import {
  type BackendOp,
  type MasterHandlers,
  type PeerHandlers,
  type PeerRef,
  type SlaveBackend,
  UNSUPPORTED_ERROR_CODE,
  isBackendOp,
} from "../backend/api.ts";
import { type ClusterOpDefs, clusterOps } from "../messages/cluster.ts";
import type { P2POpDefs } from "../messages/p2p.ts";
import type { RpcConnection } from "./rpc-connection.ts";
import { receivedTxListBytes } from "./xshard/received-tx-list.ts";

/**
 * Where the backend's handler tables meet the connections that carry them: the master link
 * (every request the cluster layer does not answer itself), a peer's virtual connection,
 * a sibling link (cross-shard deposits). A master request's frame reaches its handler
 * directly from RpcConnection: nothing here runs per frame unless the op is not served.
 */

/**
 * Every backend op of the master link. One the backend does not serve gets a well-formed
 * answer with a non-zero error_code (the master link stays up), logged once per op; a
 * handler failure is answered the same way and logged each time.
 */
export function serveMaster(rpc: RpcConnection<ClusterOpDefs>, handlers: MasterHandlers, log: Logger): void {
  const notServedLogged = new Set<string>();
  for (const entry of clusterOps.entries()) {
    if (entry.kind !== "request" || !isBackendOp(entry.name)) continue;
    serveMasterOp(rpc, entry.name, handlers[entry.name], log, notServedLogged);
  }
}

function serveMasterOp<N extends BackendOp>(
  rpc: RpcConnection<ClusterOpDefs>,
  name: N,
  handler: MasterHandlers[N],
  log: Logger,
  notServedLogged: Set<string>,
): void {
  const failed = () => clusterOps.failedResponse(name, UNSUPPORTED_ERROR_CODE);
  if (handler) {
    rpc.handle(name, handler, (err) => {
      log.error({ conn: "master", op: name, err }, "backend failed; answering with an error code");
      return failed();
    });
    return;
  }
  rpc.handle(name, () => {
    if (!notServedLogged.has(name)) {
      notServedLogged.add(name);
      log.warn({ conn: "master", op: name, error_code: UNSUPPORTED_ERROR_CODE }, "op not served by this backend");
    }
    return failed();
  });
}

/**
 * What a peer's virtual connection serves. A request op the backend does not serve stays
 * out of the maps, so a peer sending it is treated as pyquarkchain treats any op outside
 * its maps; the commands are always taken (and dropped when not served).
 */
export function servePeer(rpc: RpcConnection<P2POpDefs>, ref: PeerRef, h: PeerHandlers): void {
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

/** A sibling link's cross-shard deposits, handed to the backend (PROTOCOL.md §7.9). */
export function serveSibling(rpc: RpcConnection<ClusterOpDefs>, backend: SlaveBackend): void {
  rpc.handle("ADD_XSHARD_TX_LIST_REQUEST", async (req, frame) => ({
    error_code: await backend.addXshardTxList(req, receivedTxListBytes(frame.payload, req.tx_list)),
  }));
  rpc.handle("BATCH_ADD_XSHARD_TX_LIST_REQUEST", async (req) => {
    for (const item of req.add_xshard_tx_list_request_list) {
      const code = await backend.addXshardTxList(item);
      if (code !== 0) return { error_code: code }; // pyquarkchain stops at the first error
    }
    return { error_code: 0 };
  });
}
