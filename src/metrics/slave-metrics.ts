import { Registry, collectDefaultMetrics } from "prom-client";
import type { SyncStats } from "../backend/synchronizer.ts";
import type { SlaveServer } from "../cluster/slave-server.ts";
import { LATENCY_BUCKETS } from "../cluster/rpc-timings.ts";
import { type OpCounts, TRAFFIC_KINDS, type TrafficKind } from "../cluster/wire-traffic.ts";
import { clusterOps } from "../messages/cluster.ts";
import { p2pOps } from "../messages/p2p.ts";
import { type Sample, registerCollected } from "./collected-metric.ts";

/** Frame errors that close a link before any payload is decoded (SocketLink close kinds). */
const FRAME_ERROR_KINDS = ["too-large", "truncated", "frame-timeout"];

function opName(kind: TrafficKind, op: number): string {
  const table = kind === "peer" ? p2pOps : clusterOps;
  return table.byOp(op)?.name ?? `op_${op}`;
}

function opSamples(dir: Record<TrafficKind, OpCounts>, field: "frames" | "bytes"): Sample[] {
  const out: Sample[] = [];
  for (const link of TRAFFIC_KINDS) {
    const values = dir[link][field];
    for (let op = 0; op < values.length; op++) {
      if (values[op]! > 0) out.push({ labels: { link, op: opName(link, op) }, value: values[op]! });
    }
  }
  return out;
}

function byKind(counts: ReadonlyMap<string, number> | Record<string, number>, label = "kind"): Sample[] {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
  return entries.map(([k, value]) => ({ labels: { [label]: k }, value }));
}

/**
 * Every metric of one slave (README "Metrics"), in a registry of its own. All values are
 * read from the slave's counters at scrape time; `sync`, the backend's peer-sync counters
 * (ChainBackend.syncStats), adds the qkc_sync_* metrics.
 */
export function slaveMetrics(server: SlaveServer, sync?: SyncStats): Registry {
  const registry = new Registry();
  const stats = server.linkStats;
  stats.rpc.latency = true;
  const traffic = stats.traffic;
  const reg = registerCollected.bind(null, registry);

  for (const field of ["frames", "bytes"] as const) {
    const what = field === "frames" ? "Frames" : "Bytes of frames (header included)";
    for (const [dir, verb] of [
      ["in", "received"],
      ["out", "sent"],
    ] as const) {
      reg(
        `qkc_${field}_${dir}_total`,
        `${what} ${verb}, by link (master, slave, peer) and opcode name`,
        "counter",
        () => opSamples(traffic[dir], field),
      );
    }
  }
  reg(
    "qkc_rpc_duration_seconds",
    "RPC latency by side (call: this slave asked; serve: this slave answered), connection kind and request op",
    "histogram",
    () => {
      const out: Sample[] = [];
      for (const { side, conn, op, histogram: h } of stats.rpc.series.values()) {
        const labels = { side, conn, op };
        let cumulative = 0;
        for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
          cumulative += h.counts[i]!;
          const le = i < LATENCY_BUCKETS.length ? String(LATENCY_BUCKETS[i]) : "+Inf";
          out.push({ metricName: "qkc_rpc_duration_seconds_bucket", labels: { ...labels, le }, value: cumulative });
        }
        out.push({ metricName: "qkc_rpc_duration_seconds_sum", labels, value: h.sum });
        out.push({ metricName: "qkc_rpc_duration_seconds_count", labels, value: h.count });
      }
      return out;
    },
  );
  reg("qkc_pending_calls", "Calls this slave has in flight, by connection kind", "gauge", () => {
    const p = server.stats().pendingCalls;
    return byKind({ master: p.master, slave: p.siblings, peer: p.peers }, "conn");
  });
  reg(
    "qkc_links",
    "Live links: master (0 or 1), slave (verified siblings), slave_handshaking (inbound, not yet verified), peer (peer shard connections)",
    "gauge",
    () => {
      const s = server.stats();
      const master = server.masterConn && !server.masterConn.link.closed ? 1 : 0;
      return byKind({ master, slave: s.siblings, slave_handshaking: s.handshakingSockets, peer: s.peerConns });
    },
  );
  reg("qkc_master_booted", "1 while the master link is up and its boot handshake is done (/healthz)", "gauge", () => [
    { labels: {}, value: server.health().ok ? 1 : 0 },
  ]);
  reg("qkc_link_closes_total", "Links closed, by why (eof, protocol, too-large, frame-timeout, ...)", "counter", () =>
    byKind(stats.closes),
  );
  reg("qkc_sockets_refused_total", "Sockets refused at accept, by why", "counter", () =>
    byKind(server.refusedByKind()),
  );
  reg(
    "qkc_decode_errors_total",
    "Undecodable input, by layer (frame: the framing; payload: the message) and kind",
    "counter",
    () => [
      ...FRAME_ERROR_KINDS.filter((k) => stats.closes.has(k)).map((kind) => ({
        labels: { layer: "frame", kind },
        value: stats.closes.get(kind)!,
      })),
      ...[...stats.rpc.decodeErrors].map(([kind, value]) => ({ labels: { layer: "payload", kind }, value })),
    ],
  );
  reg(
    "qkc_xshard_fanout_total",
    "Cross-shard transaction lists sent to siblings, by result (ok, error-code, failed, no-slave)",
    "counter",
    () => byKind(server.pool.fanout, "result"),
  );
  reg("qkc_peer_queued_frames", "Peer frames waiting for a handler", "gauge", () => [
    { labels: {}, value: server.stats().peerQueuedFrames },
  ]);
  if (sync) {
    reg("qkc_sync_tasks_total", "Peer-triggered sync tasks run (one per announced better tip taken)", "counter", () => [
      { labels: {}, value: sync.tasks },
    ]);
    reg("qkc_sync_blocks_total", "Blocks downloaded and added by peer-triggered sync tasks", "counter", () => [
      { labels: {}, value: sync.blocks },
    ]);
    reg("qkc_sync_peers_dropped_total", "Peers a sync task dropped, by reason", "counter", () =>
      byKind(sync.dropped, "reason"),
    );
  }
  collectDefaultMetrics({ register: registry });
  return registry;
}
