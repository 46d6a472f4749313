import type { Socket } from "node:net";
import t from "tap";
import { encode } from "../../src/codec/index.ts";
import { AddXshardTxListRequest } from "../../src/messages/cluster.ts";
import { dialSocket, opOf, p2pOpOf, within } from "../../harness/frame-socket.ts";
import { TestBackend } from "../helpers/test-backend.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { TestSibling } from "../../harness/test-sibling.ts";
import { SHARD_A, SHARD_B, connectMaster, masterAnswers, startHardened, until } from "./harness.ts";
import { xshardProbe } from "../../harness/tcp-fuzz.ts";

/**
 * Bounds: sockets in handshake and inbound sockets are capped, a socket in its handshake
 * may not buffer a big frame, calls in flight are capped per connection, and a PeerConn
 * queues behind its running handlers (back-pressure) and is closed past its cap.
 */

function socketClosed(s: Socket): Promise<void> {
  return new Promise((resolve) => (s.destroyed ? resolve() : s.once("close", () => resolve())));
}

t.test("sockets in handshake are capped; the next is refused at once, and accepted again later", async (t) => {
  const slave = await startHardened(t, { maxHandshakeSockets: 3, siblingCheck: "off" });
  const master = await connectMaster(t, slave.port, { root: true });
  const silent = await Promise.all([0, 1, 2].map((i) => TestSibling.dial(slave.port, `silent ${i}`)));
  t.teardown(() => silent.forEach((s) => s.destroy()));
  await until(() => slave.server.stats().handshakingSockets === 3, "three sockets in handshake");
  const fourth = await TestSibling.dial(slave.port, "fourth");
  await fourth.waitClosed("the fourth to be refused");
  t.same(slave.server.stats().refused, { "too-many-handshaking": 1 });
  t.match(slave.log.find("connection refused")[0], { kind: "too-many-handshaking", reason: /cap 3/ });

  // Handshakes that complete free their places.
  await Promise.all(silent.map((s, i) => s.ping(`S${i + 2}`, [SHARD_B])));
  t.equal(slave.server.stats().handshakingSockets, 0);
  const fifth = await TestSibling.dial(slave.port, "fifth");
  t.teardown(() => fifth.destroy());
  await fifth.ping("S9", [SHARD_B]);
  t.equal(slave.server.pool.size, 4, "four siblings linked");
  await masterAnswers(t, master, "the master answers");
});

t.test("inbound sibling sockets are capped", async (t) => {
  const slave = await startHardened(t, { maxInboundSockets: 2, siblingCheck: "off" });
  await connectMaster(t, slave.port, { root: true });
  const a = await TestSibling.dial(slave.port, "a");
  const b = await TestSibling.dial(slave.port, "b");
  t.teardown(() => [a, b].forEach((s) => s.destroy()));
  await a.ping("S2", [SHARD_B]);
  await b.ping("S3", [SHARD_B]);
  const c = await TestSibling.dial(slave.port, "c");
  await c.waitClosed("the third to be refused");
  t.same(slave.server.stats().refused, { "too-many-inbound": 1 });
  a.destroy();
  await until(() => slave.server.stats().inboundSockets === 1, "a's place to be free");
  const d = await TestSibling.dial(slave.port, "d");
  t.teardown(() => d.destroy());
  t.equal(Buffer.from((await d.ping("S4", [SHARD_B])).id).toString(), "S1", "a new one fits again");
});

t.test("a socket in its handshake may not buffer a big frame; a linked sibling may", async (t) => {
  const slave = await startHardened(t, { siblingCheck: "off" });
  await connectMaster(t, slave.port, { root: true });
  // A frame announcing 1 MiB (under the 16 MiB frame limit), 100 KiB of it sent before any PING.
  const early = await dialSocket(slave.port);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(1 << 20);
  early.write(Buffer.concat([head, Buffer.alloc(100 * 1024)]));
  await within(socketClosed(early), "the early big frame to close its socket");
  t.equal(slave.server.stats().closes["too-large"], 1);
  t.match(slave.log.find("bad frame")[0], { reason: /unfinished frame exceed the limit of 65536/ });

  // After its PING, a sibling may send a big request (trailing bytes are ignored, as in pyquarkchain).
  const link = await TestSibling.dial(slave.port, "S2");
  t.teardown(() => link.destroy());
  await link.ping("S2", [SHARD_B]);
  const payload = Buffer.concat([encode(AddXshardTxListRequest, xshardProbe(SHARD_A, 1)), Buffer.alloc(1 << 20)]);
  link.sendRawFrame({ branch: 0, clusterPeerId: 0n, op: opOf("ADD_XSHARD_TX_LIST_REQUEST"), rpcId: 2n }, payload);
  const answer = await link.waitFrame((f) => f.op === opOf("ADD_XSHARD_TX_LIST_RESPONSE"), "the answer");
  t.equal(answer.rpcId, 2n, "a 1 MiB request from a linked sibling is served");
});

t.test("the frame limit holds on the master link too (there a bad frame stops the slave)", async (t) => {
  const slave = await startHardened(t, { maxPayloadBytes: 1024 });
  const master = await connectMaster(t, slave.port, { root: true });
  master.sendRawFrame({ branch: SHARD_A, clusterPeerId: 5n, op: 9, rpcId: 1n }, Buffer.alloc(2048));
  t.match(await within(slave.server.stopped, "the slave to stop"), /exceeds the limit of 1024/);
});

t.test("calls in flight are capped per connection (--max-pending-calls)", async (t) => {
  const slave = await startHardened(t, { maxPendingCalls: 3, rpcTimeoutMs: 200, shards: [SHARD_A] });
  const master = await connectMaster(t, slave.port, { root: true });
  const s2 = await TestSibling.listen({ id: "S2", shards: [SHARD_B] });
  t.teardown(() => s2.close());
  t.same(await master.connectToSlaves([s2.info()]), [""]);
  (await s2.waitLink()).onRequest("ADD_XSHARD_TX_LIST_REQUEST", () => undefined); // never answers
  const failures = await slave.server.pool.sendXshardTxLists([1, 2, 3, 4, 5].map((i) => xshardProbe(SHARD_B, i)));
  const kinds = failures.map((f) =>
    /already in flight/.test(f.error) ? "too-many-pending" : /within 200 ms/.test(f.error) ? "timeout" : f.error,
  );
  t.same(
    kinds.sort(),
    ["timeout", "timeout", "timeout", "too-many-pending", "too-many-pending"],
    "3 sent (timed out), 2 refused at once",
  );
  t.equal(s2.xshardLists.length, 0);
  t.equal(slave.server.stats().pendingCalls.total, 0, "nothing left pending");
});

/** A TestBackend whose GET_MINOR_BLOCK_LIST for `peer` waits until released (FIFO). */
function gatedBackend(peer: bigint): { backend: TestBackend; release(): void; waiting(): number } {
  const backend = new TestBackend({ shards: [SHARD_A] });
  const gates: Array<() => void> = [];
  let open = false;
  const served = backend.peer.GET_MINOR_BLOCK_LIST_REQUEST!;
  backend.peer.GET_MINOR_BLOCK_LIST_REQUEST = async (ref, req) => {
    if (ref.clusterPeerId === peer && !open) await new Promise<void>((resolve) => gates.push(resolve));
    return served(ref, req);
  };
  return {
    backend,
    release: () => {
      open = true;
      for (const g of gates.splice(0)) g();
    },
    waiting: () => gates.length,
  };
}

function askBlocks(master: TestMaster, peer: bigint, rpcId: bigint): void {
  master.sendP2P(
    "GET_MINOR_BLOCK_LIST_REQUEST",
    { minor_block_hash_list: [Buffer.alloc(32, Number(rpcId & 0xffn))] },
    { branch: SHARD_A, clusterPeerId: peer, rpcId },
  );
}

t.test("a busy PeerConn queues behind its 16 running handlers; others are not held up", async (t) => {
  const gate = gatedBackend(5n);
  const slave = await startHardened(t, { backend: gate.backend, maxPeerQueue: 1000 });
  const master = await connectMaster(t, slave.port, { root: true });
  t.equal(await master.createPeer(5n), 0);
  t.equal(await master.createPeer(6n), 0);
  for (let i = 1n; i <= 200n; i++) askBlocks(master, 5n, i);
  await masterAnswers(t, master, "the master is answered while peer 5 waits");
  t.equal(gate.waiting(), 16, "16 handlers run");
  t.equal(slave.server.stats().peerQueuedFrames, 184, "the rest queue");
  askBlocks(master, 6n, 1n);
  await master.waitFrame((f) => f.clusterPeerId === 6n, "peer 6, not held up by peer 5");
  gate.release();
  await master.waitFrame((f) => f.clusterPeerId === 5n && f.rpcId === 200n, "peer 5's last answer");
  const answers = master.peerFrames(5n);
  t.same(
    answers.map((f) => f.rpcId),
    Array.from({ length: 200 }, (_, i) => BigInt(i + 1)),
    "every request answered, in order",
  );
  t.ok(answers.every((f) => f.op === p2pOpOf("GET_MINOR_BLOCK_LIST_RESPONSE")));
  t.equal(slave.server.stats().peerQueuedFrames, 0);
});

t.test("a full PeerConn queue holds the master link (back-pressure) until it drains; nothing lost", async (t) => {
  const gate = gatedBackend(5n);
  const slave = await startHardened(t, { backend: gate.backend, maxPeerQueue: 8, peerStallMs: 60_000 });
  const master = await connectMaster(t, slave.port, { root: true });
  t.equal(await master.createPeer(5n), 0);
  const link = slave.server.masterConn!.link;
  for (let i = 1n; i <= 200n; i++) askBlocks(master, 5n, i);
  await until(() => slave.server.stats().peerBacklogged === 1, "peer 5's queue to fill");
  t.ok(link.held, "the master link is not read meanwhile");
  t.equal(slave.log.find("peer connection backlogged").length, 1, "logged");
  const ping = master.ping(); // waits in TCP behind the back-pressure
  gate.release();
  await ping;
  t.notOk(link.held, "reading resumed once the queue drained");
  await master.waitFrame((f) => f.clusterPeerId === 5n && f.rpcId === 200n, "peer 5's last answer");
  t.same(
    master.peerFrames(5n).map((f) => f.rpcId),
    Array.from({ length: 200 }, (_, i) => BigInt(i + 1)),
    "every request answered, in order: back-pressure lost nothing",
  );
  t.notOk(slave.server.masterConn!.dispatcher.peerConn(5n, SHARD_A)!.closed, "and closed nothing");
});

t.test("a PeerConn whose full queue does not drain is closed (the last resort); the rest go on", async (t) => {
  const gate = gatedBackend(5n);
  const slave = await startHardened(t, { backend: gate.backend, maxPeerQueue: 4, peerStallMs: 100 });
  const master = await connectMaster(t, slave.port, { root: true });
  t.equal(await master.createPeer(5n), 0);
  t.equal(await master.createPeer(6n), 0);
  const conn = slave.server.masterConn!.dispatcher.peerConn(5n, SHARD_A)!;
  for (let i = 1n; i <= 21n; i++) askBlocks(master, 5n, i); // 16 running, then the queue fills
  await until(() => slave.server.stats().peerBacklogged === 1, "peer 5's queue to fill");
  await until(() => conn.closed, "peer 5 to be closed once its stall deadline passed");
  await masterAnswers(t, master, "the master is answered");
  t.match(slave.log.find("overflowed its queue")[0], { conn: "peer 5/1", reason: /stayed full for 100 ms/ });
  t.equal(slave.server.stats().closes["peer-overflow"], 1);
  t.notOk(slave.server.masterConn!.link.held, "the master link is read again");
  askBlocks(master, 6n, 1n);
  await master.waitFrame((f) => f.clusterPeerId === 6n, "peer 6 is served");
  gate.release();
  await masterAnswers(t, master, "the master answers");
  t.same(master.peerFrames(5n), [], "the closed PeerConn answers nothing");
});

t.test("a small flood: hundreds of sockets at once, the caps hold and the master answers", async (t) => {
  const slave = await startHardened(t, {
    maxHandshakeSockets: 16,
    maxInboundSockets: 32,
    handshakeTimeoutMs: 10_000,
  });
  const master = await connectMaster(t, slave.port, { root: true });
  const sockets = await Promise.all(Array.from({ length: 300 }, () => dialSocket(slave.port)));
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  await until(() => {
    const s = slave.server.stats();
    return s.handshakingSockets + (s.refused["too-many-handshaking"] ?? 0) === 300;
  }, "every socket accepted or refused");
  const stats = slave.server.stats();
  t.equal(stats.handshakingSockets, 16, "16 in handshake");
  t.equal(stats.refused["too-many-handshaking"], 284, "the others refused");
  await masterAnswers(t, master, "the master answers through the flood");
  sockets.forEach((s) => s.destroy());
  await until(() => slave.server.stats().inboundSockets === 0, "the flood gone");
});
