import { type AddressInfo, createServer } from "node:net";
import t from "tap";
import { UNSUPPORTED_ERROR_CODE } from "../../src/backend/api.ts";
import { encode } from "../../src/codec/index.ts";
import { AddXshardTxListRequest, GetAccountDataResponse, GetMinorBlockResponse } from "../../src/messages/cluster.ts";
import { CrossShardTransactionDeposit, MinorBlock, RootBlock } from "../../src/messages/core.ts";
import { decodeCluster, decodeP2P, opOf, p2pOpOf, within } from "../../harness/frame-socket.ts";
import { ENOENT, TestBackend, testBlock } from "../helpers/test-backend.ts";
import { type CapturedLog, captureLog } from "../helpers/test-log.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { type SiblingLink, TestSibling } from "../../harness/test-sibling.ts";
import { type RunningSlave, startSlave } from "../helpers/test-slave.ts";

/**
 * The slave as a whole: a SlaveServer on a real port, driven by a test master (the first
 * connection) and test siblings, over TCP. Three chains of one shard each.
 */

type Test = Parameters<Parameters<typeof t.test>[0]>[0];

const SHARD_A = 1; // chain 0
const SHARD_B = 65537; // chain 1
const SHARD_C = 131073; // chain 2
const NETWORK = [SHARD_A, SHARD_B, SHARD_C];

interface Setup {
  slave: RunningSlave<TestBackend>;
  master: TestMaster;
  log: CapturedLog;
}

/** A slave with its master connected and PING #1 answered; `root` also runs PING #2. */
async function setup(
  t: Test,
  opts: { id?: string; shards?: number[]; root?: boolean; handshakeTimeoutMs?: number; backend?: TestBackend } = {},
): Promise<Setup> {
  const log = captureLog();
  const shards = opts.shards ?? [SHARD_A];
  const slave = await startSlave({
    id: opts.id ?? "S1",
    shards,
    networkShards: NETWORK,
    backend: opts.backend ?? new TestBackend({ shards }),
    log: log.log,
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 5_000,
  });
  const master = await TestMaster.dial(slave.port);
  t.teardown(async () => {
    master.destroy();
    await slave.stop();
  });
  await master.ping();
  if (opts.root) await master.ping(TestMaster.genesisRoot());
  return { slave, master, log };
}

function siblingTeardown(t: Test, ...siblings: TestSibling[]): void {
  t.teardown(() => Promise.all(siblings.map((s) => s.close())));
}

/** A round trip on the master link: proves it is up and that everything sent before it was read. */
async function masterAnswers(t: Test, master: TestMaster, what: string): Promise<void> {
  const pong = await master.ping();
  t.ok(pong.id.length > 0 && !master.isClosed, what);
}

function xshardList(target: number, tag: number): AddXshardTxListRequest {
  const deposit = CrossShardTransactionDeposit.zero();
  deposit.tx_hash = Buffer.alloc(32, tag);
  deposit.value = BigInt(tag);
  return {
    branch: { value: target },
    minor_block_hash: Buffer.alloc(32, 0xb0 + tag),
    tx_list: { tx_list: [deposit], version: 1 },
  };
}

t.test("master link: PING #1 is answered with the slave's id and shard list, in config order", async (t) => {
  const log = captureLog();
  const slave = await startSlave({ id: "S1", shards: [SHARD_B, SHARD_A], networkShards: NETWORK, log: log.log });
  const master = await TestMaster.dial(slave.port);
  t.teardown(async () => {
    master.destroy();
    await slave.stop();
  });
  const { rpcId, response } = master.request("PING", { id: Buffer.alloc(0), full_shard_id_list: [], root_tip: null });
  const pong = await response;
  t.equal(rpcId, 1n);
  t.equal(Buffer.from(pong.id).toString("latin1"), "S1");
  t.same(pong.full_shard_id_list, [SHARD_B, SHARD_A]);
  const frame = master.frames[0]!;
  t.same([frame.op, frame.rpcId, frame.branch, frame.clusterPeerId], [opOf("PONG"), 1n, 0, 0n], "PONG echoes (0, 0)");
  t.same(slave.backend.readyShards.size, 0, "no root tip, no shards");
});

t.test("three slaves bootstrap: PING, CONNECT_TO_SLAVES with all three, then PING with the root tip", async (t) => {
  const ids = ["S1", "S2", "S3"];
  const slaves = await Promise.all(
    ids.map((id, i) => startSlave({ id, shards: [NETWORK[i]!], networkShards: NETWORK })),
  );
  const masters = await Promise.all(slaves.map((s, i) => TestMaster.dial(s.port, `master of ${ids[i]}`)));
  t.teardown(async () => {
    for (const m of masters) m.destroy();
    await Promise.all(slaves.map((s) => s.stop()));
  });

  // 1. PING #1 to each.
  const pongs = await Promise.all(masters.map((m) => m.ping()));
  t.same(
    pongs.map((p) => [Buffer.from(p.id).toString(), p.full_shard_id_list]),
    ids.map((id, i) => [id, [NETWORK[i]]]),
  );

  // 2. CONNECT_TO_SLAVES, one slave at a time, each given the full list (itself included).
  const infos = slaves.map((s) => s.info());
  for (const [i, m] of masters.entries()) {
    const results = await m.connectToSlaves(infos);
    t.same(results, ["", "", ""], `${ids[i]}: every entry succeeded (empty string)`);
  }
  for (const [i, s] of slaves.entries()) {
    t.same(s.server.pool.ids().sort(), ids.filter((_, j) => j !== i).sort(), `${ids[i]}'s pool holds the other two`);
    for (const [j, shard] of NETWORK.entries()) {
      t.equal(s.server.pool.connsFor(shard).length, i === j ? 0 : 1, `${ids[i]}: one link for shard ${shard}`);
    }
  }

  // 3. PING #2 with the root tip, to all at once.
  const pings2 = masters.map((m) =>
    m.request("PING", { id: Buffer.alloc(0), full_shard_id_list: [], root_tip: TestMaster.genesisRoot() }),
  );
  await Promise.all(pings2.map((p) => p.response));
  for (const [i, m] of masters.entries()) {
    const header = m.frames.find((f) => f.op === opOf("ADD_MINOR_BLOCK_HEADER_REQUEST"));
    t.ok(header, `${ids[i]} reported its genesis header`);
    t.same(
      [header!.rpcId, header!.branch, header!.clusterPeerId],
      [1n, 0, 0n],
      "the slave's own rpc id 1, metadata (0, 0)",
    );
    const answered = m.trace.find((e) => e.dir === "out" && e.op === opOf("ADD_MINOR_BLOCK_HEADER_RESPONSE"));
    const pongSeq = m.pongSeq(pings2[i]!.rpcId)!;
    t.ok(
      header!.seq < answered!.seq && answered!.seq < pongSeq,
      `${ids[i]}: header request, its answer, then the PONG`,
    );
    t.same(
      m.headerReports.map((r) => r.minor_block_header.branch.value),
      [NETWORK[i]],
      "one genesis header, for its own shard",
    );
    t.same([...slaves[i]!.backend.readyShards], [NETWORK[i]], "the shard is ready");
  }
});

t.test(
  "CONNECT_TO_SLAVES dials a sibling and PINGs it with own id, own list and an all-default root block",
  async (t) => {
    const { master } = await setup(t, { shards: [SHARD_A, SHARD_C] });
    const sibling = await TestSibling.listen({ id: "S2", shards: [SHARD_B] });
    siblingTeardown(t, sibling);
    t.same(await master.connectToSlaves([sibling.info()]), [""]);
    const link = await sibling.waitLink();
    const ping = link.frames[0]!;
    t.same([ping.op, ping.rpcId], [opOf("PING"), 1n], "PING with rpc id 1 on the new link");
    const body = decodeCluster("PING", ping);
    t.equal(Buffer.from(body.id).toString(), "S1");
    t.same(body.full_shard_id_list, [SHARD_A, SHARD_C]);
    t.same(encode(RootBlock, body.root_tip!), encode(RootBlock, RootBlock.zero()), "root_tip present, all default");
    t.same(await master.connectToSlaves([sibling.info()]), [""], "a known id is not dialed again");
    t.equal(sibling.links.length, 1);
  },
);

t.test("a sibling whose PONG names another id is refused with a reason and its link closed", async (t) => {
  const { slave, master } = await setup(t);
  const sibling = await TestSibling.listen({ id: "S2", shards: [SHARD_B], pongId: "S9" });
  siblingTeardown(t, sibling);
  const [result] = await master.connectToSlaves([sibling.info()]);
  t.match(result, /id does not match/);
  t.match(result, /S2/);
  await (await sibling.waitLink()).waitClosed("the refused link to close");
  t.equal(slave.server.pool.size, 0, "not registered");
  await masterAnswers(t, master, "the master link stays up");
});

t.test("a sibling whose PONG lists other shards is refused with a reason and its link closed", async (t) => {
  const { slave, master } = await setup(t);
  const sibling = await TestSibling.listen({ id: "S2", shards: [SHARD_B], pongShards: [SHARD_B, SHARD_C] });
  siblingTeardown(t, sibling);
  const [result] = await master.connectToSlaves([sibling.info()]);
  t.match(result, /shard list does not match/);
  await (await sibling.waitLink()).waitClosed("the refused link to close");
  t.equal(slave.server.pool.size, 0, "not registered");
  await masterAnswers(t, master, "the master link stays up");
});

t.test("a sibling that cannot be reached is reported with a non-empty result", async (t) => {
  const { slave, master } = await setup(t);
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const info = {
    id: Buffer.from("S2"),
    host: Buffer.from("127.0.0.1"),
    port: closedPort,
    full_shard_id_list: [SHARD_B],
  };
  const [result] = await master.connectToSlaves([info]);
  t.match(result, /^Failed to connect 127\.0\.0\.1:\d+ with exception/);
  t.equal(slave.server.pool.size, 0);
  await masterAnswers(t, master, "the master link stays up");
});

t.test("an inbound sibling that PINGs gets the PONG and joins the pool", async (t) => {
  const { slave, master } = await setup(t, { root: true });
  const link = await TestSibling.dial(slave.port, "S2 dialing");
  t.teardown(() => link.destroy());
  const pong = await link.ping("S2", [SHARD_B]);
  t.equal(Buffer.from(pong.id).toString(), "S1");
  t.same(pong.full_shard_id_list, [SHARD_A]);
  // The PONG is out before the link is registered; an ADD_XSHARD round trip orders us after it.
  const res = await link.call("ADD_XSHARD_TX_LIST_REQUEST", xshardList(SHARD_A, 1));
  t.equal(res.error_code, 0, "an xshard list for a local shard is stored");
  t.same(slave.server.pool.ids(), ["S2"]);
  t.equal(slave.server.pool.connsFor(SHARD_B).length, 1);
  t.equal(slave.backend.xshardLists.length, 1);
  const absent = await link.call("ADD_XSHARD_TX_LIST_REQUEST", xshardList(SHARD_C, 2));
  t.equal(absent.error_code, ENOENT, "a shard that is not here: ENOENT");
  await masterAnswers(t, master, "the master link is untouched");
});

t.test("an inbound sibling PINGing with an empty shard list is closed without a PONG", async (t) => {
  const { slave, master } = await setup(t);
  const link = await TestSibling.dial(slave.port);
  link.send("PING", { id: Buffer.from("S2"), full_shard_id_list: [], root_tip: null }, { rpcId: 1n });
  await link.waitClosed();
  t.same(link.frames, [], "no PONG");
  t.equal(slave.server.pool.size, 0);
  await masterAnswers(t, master, "the master link stays up");
});

t.test("an inbound link that never PINGs is closed at its handshake deadline", async (t) => {
  const { slave, master, log } = await setup(t, { handshakeTimeoutMs: 100 });
  const link = await TestSibling.dial(slave.port, "silent");
  await link.waitClosed("the handshake deadline");
  t.same(link.frames, []);
  t.equal(slave.server.pool.size, 0);
  t.match(log.find("slave link closed before its PING")[0], { reason: /no PING within 100 ms/ });
  await masterAnswers(t, master, "the master link stays up");
});

t.test("CREATE and DESTROY: each peer has its own virtual connection; destroying one leaves the other", async (t) => {
  const { slave, master, log } = await setup(t, { root: true });
  const hash = slave.backend.addBlock(testBlock(SHARD_A, 5n));
  const ask = (peer: bigint, rpcId: bigint) =>
    master.sendP2P(
      "GET_MINOR_BLOCK_LIST_REQUEST",
      { minor_block_hash_list: [hash] },
      { branch: SHARD_A, clusterPeerId: peer, rpcId },
    );
  const replyTo = (peer: bigint, rpcId: bigint) =>
    master.waitFrame((f) => f.clusterPeerId === peer && f.rpcId === rpcId, `reply to peer ${peer} rpc ${rpcId}`);

  t.equal(await master.createPeer(5n), 0);
  t.equal(await master.createPeer(6n), 0);
  t.equal(await master.createPeer(6n), 0, "CREATE again is answered 0 too");
  const dispatcher = slave.server.masterConn!.dispatcher;
  t.ok(dispatcher.peerConn(5n, SHARD_A) && dispatcher.peerConn(6n, SHARD_A), "one PeerConn per (peer, shard)");

  ask(5n, 1n);
  ask(6n, 1n);
  await replyTo(5n, 1n);
  await replyTo(6n, 1n);

  master.destroyPeer(5n);
  ask(5n, 2n);
  ask(6n, 2n);
  const after = await replyTo(6n, 2n);
  t.equal(after.op, p2pOpOf("GET_MINOR_BLOCK_LIST_RESPONSE"), "peer 6 is still answered");
  t.same(
    master.peerFrames(5n).map((f) => f.rpcId),
    [1n],
    "peer 5 got nothing after its DESTROY",
  );
  t.notOk(dispatcher.peerConn(5n, SHARD_A), "peer 5's PeerConn is gone");
  t.same(
    slave.backend.closedPeers.map((p) => p.clusterPeerId),
    [5n],
    "the backend is told of peer 5's PeerConn closing, so it can forget what it kept for it",
  );
  t.equal(log.find("frame for an unknown peer dropped").length, 1);
  master.destroyPeer(42n); // unknown: a no-op
  await masterAnswers(t, master, "the master link stays up");
});

t.test(
  "a forwarded frame reaches its (peer, branch) PeerConn; the reply carries that metadata and the rpc id",
  async (t) => {
    const { slave, master } = await setup(t, { shards: [SHARD_A, SHARD_B], root: true });
    const block = testBlock(SHARD_B, 3n, 77n);
    const hash = slave.backend.addBlock(block);
    t.equal(await master.createPeer(7n), 0);

    master.sendP2P(
      "GET_MINOR_BLOCK_LIST_REQUEST",
      { minor_block_hash_list: [Buffer.alloc(32, 0xee), hash] },
      { branch: SHARD_B, clusterPeerId: 7n, rpcId: 3n },
    );
    const reply = await master.waitFrame((f) => f.clusterPeerId === 7n && f.branch === SHARD_B, "the reply");
    t.same(
      [reply.op, reply.rpcId, reply.branch, reply.clusterPeerId],
      [p2pOpOf("GET_MINOR_BLOCK_LIST_RESPONSE"), 3n, SHARD_B, 7n],
    );
    const list = decodeP2P("GET_MINOR_BLOCK_LIST_RESPONSE", reply).minor_block_list;
    t.same(
      list.map((b) => encode(MinorBlock, b)),
      [encode(MinorBlock, block)],
      "the known block, the unknown hash skipped",
    );
    t.same(slave.backend.peerCalls[0], {
      peer: { clusterPeerId: 7n, fullShardId: SHARD_B },
      op: "GET_MINOR_BLOCK_LIST_REQUEST",
    });

    // The other shard's PeerConn for the same peer counts its rpc ids on its own.
    master.sendP2P(
      "GET_MINOR_BLOCK_LIST_REQUEST",
      { minor_block_hash_list: [] },
      { branch: SHARD_A, clusterPeerId: 7n, rpcId: 1n },
    );
    const other = await master.waitFrame(
      (f) => f.clusterPeerId === 7n && f.branch === SHARD_A,
      "the other shard's reply",
    );
    t.same([other.rpcId, other.branch], [1n, SHARD_A]);
    t.same(slave.backend.peerCalls[1]!.peer, { clusterPeerId: 7n, fullShardId: SHARD_A });

    // A peer command is handled, and nothing is answered.
    master.sendP2P("NEW_TRANSACTION_LIST", { transaction_list: [] }, { branch: SHARD_A, clusterPeerId: 7n, rpcId: 0n });
    await masterAnswers(t, master, "master link up");
    t.same(slave.backend.peerCalls[2], {
      peer: { clusterPeerId: 7n, fullShardId: SHARD_A },
      op: "NEW_TRANSACTION_LIST",
    });
    t.equal(master.peerFrames(7n).length, 2);
  },
);

t.test("a protocol error on a virtual connection closes only that PeerConn", async (t) => {
  const { slave, master } = await setup(t, { root: true });
  t.equal(await master.createPeer(5n), 0);
  t.equal(await master.createPeer(6n), 0);
  // The backend does not serve header lists: op 11 is outside the PeerConn's maps, so it
  // is taken as a response nobody waits for, and that PeerConn closes.
  master.sendP2P(
    "GET_MINOR_BLOCK_HEADER_LIST_REQUEST",
    { block_hash: Buffer.alloc(32), branch: { value: SHARD_A }, limit: 1, direction: 0 },
    { branch: SHARD_A, clusterPeerId: 5n, rpcId: 1n },
  );
  await masterAnswers(t, master, "the master link stays up");
  const dispatcher = slave.server.masterConn!.dispatcher;
  t.ok(dispatcher.peerConn(5n, SHARD_A)!.closed, "peer 5's PeerConn closed");
  master.sendP2P(
    "GET_MINOR_BLOCK_LIST_REQUEST",
    { minor_block_hash_list: [] },
    { branch: SHARD_A, clusterPeerId: 6n, rpcId: 1n },
  );
  await master.waitFrame((f) => f.clusterPeerId === 6n, "peer 6's answer");
  t.same(master.peerFrames(5n), [], "peer 5 got no answer");
});

t.test(
  "a forwarded frame whose branch is outside the network closes the master link and stops the slave",
  async (t) => {
    const { slave, master } = await setup(t, { root: true });
    t.equal(await master.createPeer(5n), 0);
    master.sendP2P(
      "GET_MINOR_BLOCK_LIST_REQUEST",
      { minor_block_hash_list: [] },
      { branch: 999, clusterPeerId: 5n, rpcId: 1n },
    );
    await master.waitClosed();
    const reason = await within(slave.server.stopped, "the slave to stop");
    t.match(reason, /incorrect forwarding branch 999/);
  },
);

t.test("frames for an unknown peer or a shard of another slave are dropped; the master link stays up", async (t) => {
  const { master, log } = await setup(t, { root: true });
  t.equal(await master.createPeer(5n), 0);
  master.sendP2P(
    "GET_MINOR_BLOCK_LIST_REQUEST",
    { minor_block_hash_list: [] },
    { branch: SHARD_A, clusterPeerId: 99n, rpcId: 1n },
  );
  master.sendP2P(
    "GET_MINOR_BLOCK_LIST_REQUEST",
    { minor_block_hash_list: [] },
    { branch: SHARD_B, clusterPeerId: 5n, rpcId: 1n },
  );
  await masterAnswers(t, master, "the master link stays up");
  t.same(
    master.frames.filter((f) => f.clusterPeerId !== 0n),
    [],
    "nothing answered",
  );
  t.equal(log.find("frame for an unknown peer dropped").length, 1);
  t.equal(log.find("frame for a shard that is not local (yet) dropped").length, 1);
});

t.test("xshard lists go to the sibling serving each target shard; a sibling gone is a failure", async (t) => {
  const { slave, master } = await setup(t, { root: true });
  const s2 = await TestSibling.listen({ id: "S2", shards: [SHARD_B] });
  const s3 = await TestSibling.listen({ id: "S3", shards: [SHARD_C] });
  siblingTeardown(t, s2, s3);
  t.same(await master.connectToSlaves([slave.info(), s2.info(), s3.info()]), ["", "", ""]);

  const failures = await slave.server.pool.sendXshardTxLists([xshardList(SHARD_B, 1), xshardList(SHARD_C, 2)]);
  t.same(failures, []);
  t.same(
    s2.xshardLists.map((r) => encode(AddXshardTxListRequest, r)),
    [encode(AddXshardTxListRequest, xshardList(SHARD_B, 1))],
    "S2 got exactly its list",
  );
  t.same(
    s3.xshardLists.map((r) => encode(AddXshardTxListRequest, r)),
    [encode(AddXshardTxListRequest, xshardList(SHARD_C, 2))],
    "S3 got exactly its list",
  );
  const toS2 = (await s2.waitLink()).frames.find((f) => f.op === opOf("ADD_XSHARD_TX_LIST_REQUEST"))!;
  t.same([toS2.rpcId, toS2.branch, toS2.clusterPeerId], [2n, 0, 0n], "after the PING, rpc id 2; no metadata");

  // S3 goes away: its list cannot be delivered, and the caller hears of it.
  const toS3 = slave.server.pool.connsFor(SHARD_C)[0]!;
  const s3Closed = new Promise<void>((resolve) => toS3.link.onClose(() => resolve()));
  await s3.close();
  await within(s3Closed, "the slave to see S3 gone");
  const after = await slave.server.pool.sendXshardTxLists([xshardList(SHARD_B, 3), xshardList(SHARD_C, 4)]);
  t.equal(after.length, 1, "one failure");
  t.match(after[0], { fullShardId: SHARD_C, error: /no linked slave serves shard/ }, "the pool forgot S3");
  t.equal(s2.xshardLists.length, 2, "S2 still served");

  // S3 comes back elsewhere; the master announces it again and the new link takes over.
  const s3b = await TestSibling.listen({ id: "S3", shards: [SHARD_C] });
  siblingTeardown(t, s3b);
  t.same(await master.connectToSlaves([s2.info(), s3b.info()]), ["", ""]);
  t.equal(s2.links.length, 1, "S2, still linked, is not dialed again");
  t.same(await slave.server.pool.sendXshardTxLists([xshardList(SHARD_C, 6)]), [], "delivered over the new link");
  t.equal(s3b.xshardLists.length, 1);

  s2.xshardErrorCode = 5;
  const refused = await slave.server.pool.sendXshardTxLists([xshardList(SHARD_B, 5)]);
  t.same(refused, [{ slave: "S2", fullShardId: SHARD_B, error: "error_code 5" }], "a non-zero error code is a failure");
  await masterAnswers(t, master, "the master link stays up");
});

t.test("a malformed frame on a sibling link closes only that link", async (t) => {
  const { slave, master } = await setup(t, { root: true });
  let stopped = false;
  void slave.server.stopped.then(() => (stopped = true));
  const links: SiblingLink[] = [];
  for (const [i, id] of ["S2", "S3", "S4"].entries()) {
    const link = await TestSibling.dial(slave.port, id);
    t.teardown(() => link.destroy());
    await link.ping(id, [NETWORK[1 + (i % 2)]!]);
    links.push(link);
  }
  const [unknownOp, badPayload, tooLarge] = links as [SiblingLink, SiblingLink, SiblingLink];
  unknownOp.sendRawFrame({ branch: 0, clusterPeerId: 0n, op: 156, rpcId: 2n }, Buffer.alloc(0));
  badPayload.sendRawFrame(
    { branch: 0, clusterPeerId: 0n, op: opOf("ADD_XSHARD_TX_LIST_REQUEST"), rpcId: 2n },
    Buffer.alloc(3),
  );
  const huge = Buffer.alloc(13);
  huge.writeUInt32BE(0xffffffff, 0);
  tooLarge.sendBytes(huge);
  await Promise.all(links.map((l) => l.waitClosed()));
  await masterAnswers(t, master, "the master link stays up");
  t.notOk(stopped, "the slave keeps running");
  const fresh = await TestSibling.dial(slave.port, "S5");
  t.teardown(() => fresh.destroy());
  t.equal(Buffer.from((await fresh.ping("S5", [SHARD_B])).id).toString(), "S1", "new siblings are still served");
});

t.test("an op the backend does not serve is answered with error_code 1 and a zeroed response", async (t) => {
  const backend = new TestBackend({
    shards: [SHARD_A],
    master: {
      GET_MINOR_BLOCK_REQUEST: async () => {
        throw new Error("disk on fire");
      },
    },
  });
  const { master, log } = await setup(t, { root: true, backend });
  const addr = { recipient: Buffer.alloc(20, 1), full_shard_key: 0 };
  for (let i = 0; i < 2; i++) {
    const { rpcId, response } = master.request("GET_ACCOUNT_DATA_REQUEST", { address: addr, block_height: null });
    await response;
    const frame = await master.waitFrame(
      (f) => f.rpcId === rpcId && f.op === opOf("GET_ACCOUNT_DATA_RESPONSE"),
      "the answer",
    );
    t.same(
      frame.payload,
      encode(GetAccountDataResponse, { error_code: UNSUPPORTED_ERROR_CODE, account_branch_data_list: [] }),
      `answer ${i + 1}: error_code 1, every other field zero`,
    );
  }
  t.equal(log.find("op not served by this backend").length, 1, "logged once per op");

  const failed = master.request("GET_MINOR_BLOCK_REQUEST", {
    branch: { value: SHARD_A },
    minor_block_hash: Buffer.alloc(32),
    height: 0n,
    need_extra_info: false,
  });
  await failed.response;
  const frame = await master.waitFrame(
    (f) => f.rpcId === failed.rpcId && f.op === opOf("GET_MINOR_BLOCK_RESPONSE"),
    "the answer",
  );
  t.same(
    frame.payload,
    encode(GetMinorBlockResponse, { ...GetMinorBlockResponse.zero(), error_code: 1 }),
    "a failing backend: the same",
  );

  const eco = await master.call("GET_ECO_INFO_LIST_REQUEST", {});
  t.same(
    eco.eco_info_list.map((e) => e.branch.value),
    [SHARD_A],
    "served ops still answered: one EcoInfo per ready shard",
  );
  await masterAnswers(t, master, "the master link stays up");
});

t.test("a genesis header the master refuses: no PONG, the master link closes, the slave stops", async (t) => {
  const { slave, master } = await setup(t);
  master.headerErrorCode = 1;
  const { rpcId, response } = master.request("PING", {
    id: Buffer.alloc(0),
    full_shard_id_list: [],
    root_tip: TestMaster.genesisRoot(),
  });
  await t.rejects(response, /connection closed/);
  t.equal(master.pongSeq(rpcId), undefined, "no PONG");
  t.match(await within(slave.server.stopped, "the slave to stop"), /PING handler failed/);
  t.equal(slave.backend.readyShards.size, 0);
});

t.test("a DESTROY with a non-zero rpc id is a protocol error on the master link: the slave stops", async (t) => {
  const { slave, master } = await setup(t, { root: true });
  master.destroyPeer(5n, 3n);
  await master.waitClosed();
  t.match(await within(slave.server.stopped, "the slave to stop"), /non-zero rpc id 3/);
});

t.test("the master link closing stops the slave and closes every socket", async (t) => {
  const { slave, master } = await setup(t, { root: true });
  const outbound = await TestSibling.listen({ id: "S2", shards: [SHARD_B] });
  siblingTeardown(t, outbound);
  t.same(await master.connectToSlaves([outbound.info()]), [""]);
  const inbound = await TestSibling.dial(slave.port, "S3 dialing");
  await inbound.ping("S3", [SHARD_C]);
  const handshaking = await TestSibling.dial(slave.port, "silent");
  t.teardown(() => {
    inbound.destroy();
    handshaking.destroy();
  });
  t.equal(await master.createPeer(5n), 0);

  master.end();
  t.match(await within(slave.server.stopped, "the slave to stop"), /master link closed/);
  await master.waitClosed();
  await (await outbound.waitLink()).waitClosed("the link the slave dialed");
  await inbound.waitClosed("the link a sibling dialed");
  await handshaking.waitClosed("the link still in its handshake");
  t.ok(slave.server.masterConn!.dispatcher.peerConn(5n, SHARD_A) === undefined, "virtual connections closed");
});

t.test("a peer created before the shards exist gets a virtual connection when they are created", async (t) => {
  const { slave, master } = await setup(t);
  t.equal(await master.createPeer(5n), 0, "no shards yet: the id is only recorded");
  const dispatcher = slave.server.masterConn!.dispatcher;
  t.notOk(dispatcher.peerConn(5n, SHARD_A));
  await master.ping(TestMaster.genesisRoot());
  t.ok(dispatcher.peerConn(5n, SHARD_A), "created with the shard");
  master.sendP2P(
    "GET_MINOR_BLOCK_LIST_REQUEST",
    { minor_block_hash_list: [] },
    { branch: SHARD_A, clusterPeerId: 5n, rpcId: 1n },
  );
  await master.waitFrame((f) => f.clusterPeerId === 5n, "peer 5's answer");
});

t.test(
  "a PeerConn's own request leaves stamped (shard, peer); the answer comes back to it; DESTROY fails the rest",
  async (t) => {
    const { slave, master } = await setup(t, { root: true });
    t.equal(await master.createPeer(5n), 0);
    const conn = slave.server.masterConn!.dispatcher.peerConn(5n, SHARD_A)!;
    const block = testBlock(SHARD_A, 9n);
    const first = conn.rpc.call("GET_MINOR_BLOCK_LIST_REQUEST", { minor_block_hash_list: [Buffer.alloc(32, 1)] });
    const out = await master.waitFrame((f) => f.clusterPeerId === 5n, "the PeerConn's request");
    t.same(
      [out.op, out.rpcId, out.branch, out.clusterPeerId],
      [p2pOpOf("GET_MINOR_BLOCK_LIST_REQUEST"), 1n, SHARD_A, 5n],
      "rpc id 1 of its own, metadata (own shard, own peer id)",
    );
    master.sendP2P(
      "GET_MINOR_BLOCK_LIST_RESPONSE",
      { minor_block_list: [block] },
      { branch: SHARD_A, clusterPeerId: 5n, rpcId: 1n },
    );
    const res = await within(first, "the PeerConn's call to resolve");
    t.same(
      res.minor_block_list.map((b) => encode(MinorBlock, b)),
      [encode(MinorBlock, block)],
    );

    const second = conn.rpc.call("GET_MINOR_BLOCK_LIST_REQUEST", { minor_block_hash_list: [] });
    await master.waitFrame((f) => f.clusterPeerId === 5n && f.rpcId === 2n, "the second request");
    master.destroyPeer(5n);
    await t.rejects(within(second, "the call to fail"), { name: "RpcError", kind: "closed" });
    await masterAnswers(t, master, "the master link stays up");
  },
);

t.test("a second PING on a sibling link closes it", async (t) => {
  const { slave, master } = await setup(t);
  const link = await TestSibling.dial(slave.port, "S2 dialing");
  t.teardown(() => link.destroy());
  await link.ping("S2", [SHARD_B]);
  link.send("PING", { id: Buffer.from("S2"), full_shard_id_list: [SHARD_B], root_tip: null }, { rpcId: 2n });
  await link.waitClosed();
  t.equal(link.frames.length, 1, "only the first PING answered");
  await masterAnswers(t, master, "the master link stays up");
});

t.test(
  "on the master link, an xshard request (cluster_peer_id 0) is taken as a response: unexpected, the slave stops",
  async (t) => {
    const { slave, master } = await setup(t, { root: true });
    master.send("ADD_XSHARD_TX_LIST_REQUEST", xshardList(SHARD_A, 1), { rpcId: 50n });
    await master.waitClosed();
    t.match(await within(slave.server.stopped, "the slave to stop"), /unexpected ADD_XSHARD_TX_LIST_REQUEST/);
  },
);

t.test("on the master link, a P2P op with cluster_peer_id 0 is an unknown cluster op: the slave stops", async (t) => {
  const { slave, master } = await setup(t, { root: true });
  master.sendP2P(
    "GET_MINOR_BLOCK_LIST_REQUEST",
    { minor_block_hash_list: [] },
    { branch: SHARD_A, clusterPeerId: 0n, rpcId: 9n },
  );
  await master.waitClosed();
  t.match(await within(slave.server.stopped, "the slave to stop"), /unknown cluster op 9/);
});

t.test("a sibling verified after the slave stopped is closed, not kept", async (t) => {
  const { slave, master } = await setup(t);
  const sibling = await TestSibling.listen({ id: "S2", shards: [SHARD_B], holdPong: true });
  siblingTeardown(t, sibling);
  const connect = master.request("CONNECT_TO_SLAVES_REQUEST", { slave_info_list: [sibling.info()] });
  void connect.response.catch(() => {});
  const link = await sibling.waitLink();
  const ping = await link.waitFrame((f) => f.op === opOf("PING"), "the slave's PING");
  master.end();
  await within(slave.server.stopped, "the slave to stop");
  // The PONG arrives only now: the link must not outlive the slave.
  link.send("PONG", { id: Buffer.from("S2"), full_shard_id_list: [SHARD_B] }, { rpcId: ping.rpcId });
  await link.waitClosed("the late-verified link to close");
  t.equal(slave.server.pool.size, 0);
});

t.test(
  "ADD_ROOT_BLOCK reaching a shard's genesis root height creates it: header reported before the answer",
  async (t) => {
    const backend = new TestBackend({ shards: [SHARD_A, SHARD_B], genesisRootHeight: { [SHARD_B]: 1 } });
    const { slave, master } = await setup(t, { shards: [SHARD_A, SHARD_B], root: true, backend });
    t.same([...backend.readyShards], [SHARD_A], "at root height 0 only shard A is due");
    t.equal(await master.createPeer(5n), 0);
    const dispatcher = slave.server.masterConn!.dispatcher;
    t.notOk(dispatcher.peerConn(5n, SHARD_B));

    const { rpcId, response } = master.request("ADD_ROOT_BLOCK_REQUEST", {
      root_block: TestMaster.genesisRoot(1),
      expect_switch: true,
    });
    const res = await response;
    t.same(res, { error_code: 0, switched: false });
    t.equal(backend.addedRoots.length, 1);
    const header = master.frames.find(
      (f) =>
        f.op === opOf("ADD_MINOR_BLOCK_HEADER_REQUEST") &&
        decodeCluster("ADD_MINOR_BLOCK_HEADER_REQUEST", f).minor_block_header.branch.value === SHARD_B,
    );
    const answer = master.frames.find((f) => f.op === opOf("ADD_ROOT_BLOCK_RESPONSE") && f.rpcId === rpcId)!;
    t.ok(header && header.seq < answer.seq, "shard B's genesis header came before the ADD_ROOT_BLOCK answer");
    t.same([...backend.readyShards].sort(), [SHARD_A, SHARD_B]);
    t.ok(dispatcher.peerConn(5n, SHARD_B), "the known peer got a PeerConn on the new shard");
  },
);

t.test("a root block the backend refuses is answered with its error code and creates nothing", async (t) => {
  const backend = new TestBackend({
    shards: [SHARD_A, SHARD_B],
    genesisRootHeight: { [SHARD_B]: 1 },
    rootBlockErrorCode: 74,
  });
  const { master } = await setup(t, { shards: [SHARD_A, SHARD_B], root: true, backend });
  const res = await master.call("ADD_ROOT_BLOCK_REQUEST", {
    root_block: TestMaster.genesisRoot(1),
    expect_switch: false,
  });
  t.same(res, { error_code: 74, switched: false });
  t.same([...backend.readyShards], [SHARD_A], "shard B not created");
  await masterAnswers(t, master, "the master link stays up");
});
