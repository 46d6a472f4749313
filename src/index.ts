/**
 * qkc-slave as a library: `import { ... } from "qkc-slave"`. The codec and every message
 * of pyquarkchain's cluster and p2p protocols, frames, the connection classes and the slave
 * itself. Messages are namespaced by module (`cluster.Ping`, `core.RootBlock`, `p2p.Hello`)
 * because pyquarkchain reuses class names across them.
 */
export * from "./codec/index.ts";
export * as core from "./messages/core.ts";
export * as cluster from "./messages/cluster.ts";
export * as p2p from "./messages/p2p.ts";
export { clusterOps, type ClusterOpDefs } from "./messages/cluster.ts";
export { p2pOps, type P2POpDefs } from "./messages/p2p.ts";
export type { Family, MessageOf, OpDef, OpEntry, OpKind, OpTable } from "./messages/ops.ts";
export { decodeOpPayload, messageTypes, opEntry, opTables } from "./messages/registry.ts";

export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Frame,
  FrameError,
  type FrameErrorKind,
  type FrameHeader,
  type LinkKind,
  METADATA_SIZE,
  detached,
  encodeFrame,
  encodeRawFrame,
  headerSize,
  rawFrameHeader,
} from "./cluster/frame/format.ts";
export { FrameDecoder, type FrameDecoderOptions } from "./cluster/frame/decoder.ts";
export { FrameBatch, type FrameBatchOptions } from "./cluster/frame/batch.ts";
export * from "./cluster/rpc-connection.ts";
export { type CloseKind, LinkStats, SocketLink, type SocketLinkOptions } from "./cluster/socket-link.ts";
export { MasterConn, type MasterConnOptions } from "./cluster/master-conn.ts";
export { PeerConn, type PeerConnOptions } from "./cluster/peer-conn.ts";
export { Dispatcher, type DispatcherOptions } from "./cluster/dispatcher.ts";
export { serveMaster, servePeer, serveSibling } from "./cluster/serve.ts";
export { XshardConn, type XshardConnOptions, type SlaveIdentity } from "./cluster/xshard/xshard-conn.ts";
export { XshardPool } from "./cluster/xshard/xshard-pool.ts";
export { connectToSlave } from "./cluster/xshard/connect.ts";
export { SlaveServer, type SlaveServerOptions, type SlaveStats } from "./cluster/slave-server.ts";
export { WireTraffic, type TrafficKind } from "./cluster/wire-traffic.ts";
export { RpcTimings, LatencyHistogram } from "./cluster/rpc-timings.ts";

export {
  type MasterHandlers,
  type PeerHandlers,
  type PeerRef,
  type PeerRpc,
  type SlaveBackend,
  type SlaveContext,
  type XshardFailure,
  PeerFault,
} from "./backend/api.ts";
export { ChainBackend, type ChainBackendOptions, type GenesisProvider } from "./backend/chain-backend.ts";
export { ChainDb } from "./backend/chain/chain-store.ts";
export { loadClusterConfig, loadClusterConfigFile, type ClusterConfig } from "./config/cluster-config.ts";
export { type SlaveCliOptions, EXIT } from "./config/slave-options.ts";
export { runSlave } from "./slave-main.ts";
export { slaveLog } from "./slave-log.ts";
export { slaveMetrics } from "./metrics/slave-metrics.ts";
export { type MetricsServer, serveMetrics } from "./metrics/metrics-server.ts";
export { decodeFrames, encodeFrameJson, frameToJson } from "./wire/commands.ts";
