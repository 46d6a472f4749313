import t from "tap";
import { serveMetrics } from "../../src/metrics/metrics-server.ts";
import { AddXshardTxListRequest } from "../../src/messages/cluster.ts";
import { slaveMetrics } from "../../src/metrics/slave-metrics.ts";
import { dialSocket, within } from "../../harness/frame-socket.ts";
import { httpGet, sample } from "../helpers/scrape.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { startSlave } from "../helpers/test-slave.ts";

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  await within(
    (async () => {
      while (!(await check())) await new Promise((r) => setTimeout(r, 20));
    })(),
    what,
  );
}

t.test("metrics follow the master's boot, peer connections and a bad sibling frame", async (t) => {
  const slave = await startSlave({ id: "S0", shards: [1, 65537], networkShards: [1, 65537] });
  t.teardown(() => slave.stop());
  const metrics = await serveMetrics(slaveMetrics(slave.server), () => slave.server.health(), "127.0.0.1", 0);
  t.teardown(() => metrics.close());
  const port = metrics.address.port;
  const scrape = async () => (await httpGet(port, "/metrics")).body;

  t.equal((await httpGet(port, "/healthz")).status, 503, "no master: unhealthy");
  t.equal((await httpGet(port, "/nothing")).status, 404);

  const master = await TestMaster.dial(slave.port);
  await master.ping();
  const mid = await httpGet(port, "/healthz");
  t.equal(mid.status, 503, "master linked, boot not done: unhealthy");
  t.match(mid.body, /boot handshake not done/);
  await master.ping(TestMaster.genesisRoot());
  t.equal((await httpGet(port, "/healthz")).status, 200, "booted: healthy");

  let text = await scrape();
  t.equal(sample(text, "qkc_frames_in_total", { link: "master", op: "PING" }), 2, "two PINGs in");
  t.equal(sample(text, "qkc_frames_out_total", { link: "master", op: "PONG" }), 2, "two PONGs out");
  const pingBytes = sample(text, "qkc_bytes_in_total", { link: "master", op: "PING" })!;
  t.ok(pingBytes > 2 * 25, `PING bytes count headers and payload (${pingBytes})`);
  t.equal(
    sample(text, "qkc_rpc_duration_seconds_count", { side: "serve", conn: "master", op: "PING" }),
    2,
    "PING serve latencies",
  );
  t.equal(
    sample(text, "qkc_rpc_duration_seconds_bucket", { side: "serve", conn: "master", op: "PING", le: "+Inf" }),
    2,
  );
  const reports = master.headerReports.length;
  t.ok(reports > 0, "the slave reported genesis headers");
  t.equal(
    sample(text, "qkc_rpc_duration_seconds_count", {
      side: "call",
      conn: "master",
      op: "ADD_MINOR_BLOCK_HEADER_REQUEST",
    }),
    reports,
    "one call latency per header report",
  );
  t.equal(sample(text, "qkc_links", { kind: "master" }), 1);
  t.equal(sample(text, "qkc_master_booted"), 1);
  t.equal(sample(text, "qkc_pending_calls", { conn: "master" }), 0);
  t.ok(sample(text, "process_resident_memory_bytes")! > 0, "process metrics");

  t.equal(await master.createPeer(7n), 0);
  text = await scrape();
  t.equal(sample(text, "qkc_links", { kind: "peer" }), 2, "one peer shard connection per shard");

  // A peer frame with an opcode no p2p table has: a payload decode error (that PeerConn closes).
  master.sendRawFrame({ branch: 1, clusterPeerId: 7n, op: 250, rpcId: 1n }, Buffer.alloc(0));
  // An inbound sibling announcing a 4 GiB frame: a frame decode error (its link closes).
  const bad = await dialSocket(slave.port);
  t.teardown(() => bad.destroy());
  bad.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  await until("both decode errors to be counted", async () => {
    text = await scrape();
    return (
      sample(text, "qkc_decode_errors_total", { layer: "payload", kind: "unknown-op" }) === 1 &&
      sample(text, "qkc_decode_errors_total", { layer: "frame", kind: "too-large" }) === 1
    );
  });
  t.pass("a payload and a frame decode error counted");
  t.equal(sample(text, "qkc_links", { kind: "peer" }), 1, "the PeerConn that got the bad frame closed");
  t.equal(sample(text, "qkc_links", { kind: "master" }), 1, "the master link stays up");
  t.equal(sample(text, "qkc_frames_in_total", { link: "peer", op: "op_250" }), 1, "peer frames are counted apart");

  // Cross-shard lists for a shard no linked sibling serves: the fan-out counts each result.
  const list = { ...AddXshardTxListRequest.zero(), branch: { value: 65537 } };
  const failures = await slave.server.pool.sendXshardTxLists([list, list]);
  t.equal(failures.length, 2);
  text = await scrape();
  t.equal(sample(text, "qkc_xshard_fanout_total", { result: "no-slave" }), 2, "xshard fan-out results");

  master.end();
  await within(slave.server.stopped, "the slave to stop");
  t.equal((await httpGet(port, "/healthz")).status, 503, "master gone: unhealthy");
});
