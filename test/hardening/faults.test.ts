import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { RpcError } from "../../src/cluster/rpc-connection.ts";
import { decodeP2P, opOf, p2pOpOf, within } from "../../harness/frame-socket.ts";
import { TestBackend, genesisHeaderRequest } from "../helpers/test-backend.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { TestSibling } from "../../harness/test-sibling.ts";
import { SHARD_A, SHARD_B, SHARD_C, connectMaster, masterAnswers, startHardened, until } from "./harness.ts";
import { xshardProbe } from "../../harness/tcp-fuzz.ts";

/**
 * Faults: a sibling dying in the middle of a fan-out, the master dying with calls in
 * flight (in process and as a process), a sibling reconnecting, and heavy traffic on one
 * link (sequence numbers in the payloads: nothing lost, nothing reordered).
 */

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

t.test("a sibling killed in the middle of a fan-out: its failure is reported, the pool forgets it", async (t) => {
  const slave = await startHardened(t, { shards: [SHARD_A] });
  const master = await connectMaster(t, slave.port, { root: true });
  const s2 = await TestSibling.listen({ id: "S2", shards: [SHARD_B] });
  const s3 = await TestSibling.listen({ id: "S3", shards: [SHARD_C] });
  t.teardown(() => Promise.all([s2.close(), s3.close()]));
  t.same(await master.connectToSlaves([s2.info(), s3.info()]), ["", ""]);
  const s2link = await s2.waitLink();
  s2link.onRequest("ADD_XSHARD_TX_LIST_REQUEST", () => undefined); // S2 never answers: it dies first

  const fanout = slave.server.pool.sendXshardTxLists([xshardProbe(SHARD_B, 1), xshardProbe(SHARD_C, 2)]);
  await s2link.waitFrame((f) => f.op === opOf("ADD_XSHARD_TX_LIST_REQUEST"), "S2 to get its list");
  await s3.waitXshard(1);
  await s2.close(); // killed mid fan-out
  const failures = await within(fanout, "the fan-out to end");
  t.equal(failures.length, 1, "one failure");
  t.match(failures[0], { slave: "S2", fullShardId: SHARD_B, error: /connection closed/ });
  t.same(slave.server.pool.ids(), ["S3"], "the pool forgot S2");
  const again = await slave.server.pool.sendXshardTxLists([xshardProbe(SHARD_B, 3)]);
  t.match(
    again,
    [{ fullShardId: SHARD_B, error: /no linked slave serves shard/ }],
    "later lists for S2's shard fail at once",
  );
  t.equal(slave.server.stats().pendingCalls.total, 0, "nothing pending");
  await masterAnswers(t, master, "the master link is up");
});

t.test("the master killed with calls in flight: every call fails at once and the slave stops", async (t) => {
  const slave = await startHardened(t, { shards: [SHARD_A] });
  const master = await connectMaster(t, slave.port, { root: true });
  master.onRequest("ADD_MINOR_BLOCK_HEADER_REQUEST", () => undefined); // the master stops answering
  const s2 = await TestSibling.listen({ id: "S2", shards: [SHARD_B] });
  t.teardown(() => s2.close());
  t.same(await master.connectToSlaves([s2.info()]), [""]);
  (await s2.waitLink()).onRequest("ADD_XSHARD_TX_LIST_REQUEST", () => undefined);
  t.equal(await master.createPeer(5n), 0);
  const conn = slave.server.masterConn!;

  const calls: Array<Promise<unknown>> = [
    conn.addMinorBlockHeader(genesisHeaderRequest(SHARD_A)),
    conn.addMinorBlockHeader(genesisHeaderRequest(SHARD_A)),
    conn.dispatcher.peerConn(5n, SHARD_A)!.rpc.call("GET_MINOR_BLOCK_LIST_REQUEST", { minor_block_hash_list: [] }),
  ];
  const fanout = slave.server.pool.sendXshardTxLists([xshardProbe(SHARD_B, 1)]);
  await master.waitFrame((f) => f.clusterPeerId === 5n, "the peer call to leave");
  await (await s2.waitLink()).waitFrame((f) => f.op === opOf("ADD_XSHARD_TX_LIST_REQUEST"), "the fan-out to leave");
  t.equal(slave.server.stats().pendingCalls.total, 4, "4 calls in flight: 2 to the master, 1 to a peer, 1 to S2");

  const pendingAtFirstFailure: number[] = [];
  const settled = calls.map((c) =>
    c.then(
      () => "answered",
      (err: unknown) => {
        pendingAtFirstFailure.push(slave.server.stats().pendingCalls.total);
        return err instanceof RpcError ? err.kind : String(err);
      },
    ),
  );
  master.destroy(); // killed
  t.same(await within(Promise.all(settled), "every call to fail"), ["closed", "closed", "closed"]);
  t.equal(pendingAtFirstFailure[0], 0, "the tables were already empty when the first call failed");
  t.match(await within(fanout, "the fan-out to end"), [{ slave: "S2", error: /connection closed/ }]);
  t.match(await within(slave.server.stopped, "the slave to stop"), /master link closed/);
  t.equal(slave.server.stats().pendingCalls.total, 0);
});

t.test("the master killed with calls in flight: bin/slave.ts exits 0 at once", async (t) => {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "bin", "slave.ts"), "--port", "0", "--id", "S7", "--shards", "1,65537"],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  t.teardown(() => void child.kill("SIGKILL"));
  let out = "";
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const port = await within(
    new Promise<number>((resolve) => {
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const line = out.split("\n").find((l) => l.includes('"slave listening"'));
        if (line) resolve((JSON.parse(line) as { port: number }).port);
      });
    }),
    "bin/slave.ts to listen",
    30_000,
  );
  const master = await TestMaster.dial(port);
  t.teardown(() => master.destroy());
  master.onRequest("ADD_MINOR_BLOCK_HEADER_REQUEST", () => undefined); // hold both genesis reports
  void master.ping(TestMaster.genesisRoot()).catch(() => {});
  const reports = () => master.frames.filter((f) => f.op === opOf("ADD_MINOR_BLOCK_HEADER_REQUEST")).length;
  await until(() => reports() === 2, "both genesis reports in flight");
  const killedAt = Date.now();
  master.destroy();
  t.equal(await within(exited, "the slave to exit"), 0, "exit code 0");
  t.comment(`exited ${Date.now() - killedAt} ms after its master died with 2 calls in flight`);
  const stopped = out.split("\n").find((l) => l.includes('"slave stopped"'));
  t.match(JSON.parse(stopped!), { pendingCalls: { total: 0 } }, "its last words: nothing pending");
});

t.test("a sibling that reconnects replaces its stale link: the newest link wins", async (t) => {
  const slave = await startHardened(t, { shards: [SHARD_A], siblingCheck: "off" });
  const master = await connectMaster(t, slave.port, { root: true });
  // First S2 is linked by the slave's own dial (CONNECT_TO_SLAVES) ...
  const s2 = await TestSibling.listen({ id: "S2", shards: [SHARD_B] });
  t.teardown(() => s2.close());
  t.same(await master.connectToSlaves([s2.info()]), [""]);
  const dialed = slave.server.pool.connsFor(SHARD_B)[0]!;
  // ... then S2 (restarted) dials in: its new link replaces the old one.
  const first = await TestSibling.dial(slave.port, "S2 again");
  t.teardown(() => first.destroy());
  await first.ping("S2", [SHARD_B]);
  await until(() => dialed.link.closed, "the stale dialed link to close");
  t.equal(slave.server.stats().closes["replaced"], 1);
  // ... and once more, after a drop nobody noticed.
  const second = await TestSibling.dial(slave.port, "S2 once more");
  t.teardown(() => second.destroy());
  second.onRequest("ADD_XSHARD_TX_LIST_REQUEST", () => ({ error_code: 0 }));
  await second.ping("S2", [SHARD_B]);
  await first.waitClosed("the older inbound link to close");
  t.equal(slave.server.pool.connsFor(SHARD_B).length, 1, "one link for S2's shard");
  t.same(await slave.server.pool.sendXshardTxLists([xshardProbe(SHARD_B, 7)]), []);
  t.ok(
    second.frames.some((f) => f.op === opOf("ADD_XSHARD_TX_LIST_REQUEST")),
    "lists go over the newest link",
  );
  await masterAnswers(t, master, "the master link is up");
});

const N = 3000;
const seqHash = (i: number) => {
  const h = Buffer.alloc(32);
  h.writeUInt32BE(i, 28);
  return h;
};
const seqOf = (h: Uint8Array) => Buffer.from(h).readUInt32BE(28);
const inOrder = (xs: number[]) => xs.length === N && xs.every((x, i) => x === i);

t.test("under load nothing is lost or reordered on one link, in every direction", async (t) => {
  const backend = new TestBackend({ shards: [SHARD_A] });
  const peerSeqs: number[] = [];
  const serve = backend.peer.GET_MINOR_BLOCK_LIST_REQUEST!;
  backend.peer.GET_MINOR_BLOCK_LIST_REQUEST = (ref, req) => {
    peerSeqs.push(seqOf(req.minor_block_hash_list[0]!));
    return serve(ref, req);
  };
  const slave = await startHardened(t, { shards: [SHARD_A], backend, siblingCheck: "off" });
  const master = await connectMaster(t, slave.port, { root: true });

  // sibling -> slave: pipelined requests
  const inbound = await TestSibling.dial(slave.port, "S2");
  t.teardown(() => inbound.destroy());
  await inbound.ping("S2", [SHARD_B]);
  const answers = Array.from({ length: N }, (_, i) => {
    const req = xshardProbe(SHARD_A, i);
    req.minor_block_hash = seqHash(i);
    return inbound.call("ADD_XSHARD_TX_LIST_REQUEST", req);
  });
  t.ok(
    (await Promise.all(answers)).every((a) => a.error_code === 0),
    `sibling -> slave: ${N} answered`,
  );
  t.ok(inOrder(backend.xshardLists.map((r) => seqOf(r.minor_block_hash))), "stored in sending order");

  // peer -> slave, forwarded by the master: pipelined requests on one PeerConn
  t.equal(await master.createPeer(5n), 0);
  for (let i = 0; i < N; i++) {
    master.sendP2P(
      "GET_MINOR_BLOCK_LIST_REQUEST",
      { minor_block_hash_list: [seqHash(i)] },
      { branch: SHARD_A, clusterPeerId: 5n, rpcId: BigInt(i + 1) },
    );
  }
  await master.waitFrame((f) => f.clusterPeerId === 5n && f.rpcId === BigInt(N), "the last peer answer");
  const peerAnswers = master.peerFrames(5n);
  t.ok(inOrder(peerSeqs), `peer -> slave: ${N} handled in order`);
  t.ok(
    inOrder(peerAnswers.map((f) => Number(f.rpcId) - 1)) &&
      peerAnswers.every((f) => decodeP2P("GET_MINOR_BLOCK_LIST_RESPONSE", f).minor_block_list.length === 0),
    "every answer, in order",
  );
  t.ok(peerAnswers.every((f) => f.op === p2pOpOf("GET_MINOR_BLOCK_LIST_RESPONSE")));

  // slave -> sibling: one fan-out of N lists over one link
  const s3 = await TestSibling.listen({ id: "S3", shards: [SHARD_C] });
  t.teardown(() => s3.close());
  t.same(await master.connectToSlaves([s3.info()]), [""]);
  const lists = Array.from({ length: N }, (_, i) => {
    const req = xshardProbe(SHARD_C, i);
    req.minor_block_hash = seqHash(i);
    return req;
  });
  t.same(await slave.server.pool.sendXshardTxLists(lists), [], `slave -> sibling: ${N} delivered`);
  t.ok(inOrder(s3.xshardLists.map((r) => seqOf(r.minor_block_hash))), "received in order");

  // slave -> master: many header reports at once
  const reports = Array.from({ length: N }, (_, i) => {
    const req = genesisHeaderRequest(SHARD_A);
    req.minor_block_header.height = BigInt(i);
    return slave.server.masterConn!.addMinorBlockHeader(req);
  });
  t.ok(
    (await Promise.all(reports)).every((r) => r.error_code === 0),
    `slave -> master: ${N} answered`,
  );
  const heights = master.headerReports.slice(-N).map((r) => Number(r.minor_block_header.height));
  t.ok(inOrder(heights), "received in order");
  t.equal(slave.server.stats().pendingCalls.total, 0, "nothing left pending");
});
