import { type AddressInfo, type Socket, createServer } from "node:net";
import t from "tap";
import { RpcConnection, RpcError } from "../../src/cluster/rpc-connection.ts";
import { RpcTimings } from "../../src/cluster/rpc-timings.ts";
import { SocketLink } from "../../src/cluster/socket-link.ts";
import { encode } from "../../src/codec/index.ts";
import { type ClusterOpDefs, Ping, Pong, clusterOps } from "../../src/messages/cluster.ts";
import { FrameSocket, type Metadata, ROOT_META, opOf, within } from "../../harness/frame-socket.ts";
import { genesisHeaderRequest } from "../helpers/test-backend.ts";
import { captureLog, silentLog } from "../helpers/test-log.ts";

/**
 * RpcConnection over a SocketLink on one end of a real TCP connection; the other end is a
 * raw FrameSocket that can send anything. The link is the master's (12-byte metadata), so
 * metadata echoing is visible.
 */

type Test = Parameters<Parameters<typeof t.test>[0]>[0];

interface Pair {
  link: SocketLink;
  rpc: RpcConnection<ClusterOpDefs>;
  peer: FrameSocket;
  /** Resolves with the reason the RpcConnection closed. */
  closed: Promise<string>;
}

async function pair(
  t: Test,
  opts: { rpcTimeoutMs?: number; log?: typeof silentLog; timings?: RpcTimings } = {},
): Promise<Pair> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  const peer = await FrameSocket.connect((server.address() as AddressInfo).port, "master", "peer");
  const socket = await accepted;
  server.close();
  const log = opts.log ?? silentLog;
  const link = new SocketLink(socket, { link: "master", name: "us", log });
  const rpc = new RpcConnection(clusterOps, link, {
    name: "us",
    log,
    rpcTimeoutMs: opts.rpcTimeoutMs ?? 10_000,
    timings: opts.timings,
  });
  link.onClose((reason) => rpc.close(reason));
  rpc.onClose((reason) => link.close(reason));
  link.start((frame) => rpc.receive(frame));
  const closed = new Promise<string>((resolve) => rpc.onClose(resolve));
  t.teardown(() => {
    link.close("test over");
    peer.destroy();
  });
  return { link, rpc, peer, closed };
}

const emptyPing = { id: Buffer.alloc(0), full_shard_id_list: [], root_tip: null };
const pong = (id = "S1") => ({ id: Buffer.from(id), full_shard_id_list: [1] });

async function expectRpcError(t: Test, p: Promise<unknown>, kind: RpcError["kind"], what: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof RpcError, `${what}: fails with an RpcError`);
  t.equal((err as RpcError).kind, kind, `${what}: kind ${kind}`);
}

t.test("rpc ids of our calls start at 1 and go up by one", async (t) => {
  const { rpc, peer } = await pair(t);
  peer.onRequest("PING", () => pong());
  const a = await rpc.call("PING", emptyPing);
  const b = await rpc.call("PING", emptyPing);
  t.same(Buffer.from(a.id).toString(), "S1");
  t.same(Buffer.from(b.id).toString(), "S1");
  const pings = peer.frames.filter((f) => f.op === opOf("PING"));
  t.same(
    pings.map((f) => f.rpcId),
    [1n, 2n],
    "first request carries rpc id 1, the next 2",
  );
  t.same(
    pings.map((f) => [f.branch, f.clusterPeerId]),
    [
      [0, 0n],
      [0, 0n],
    ],
    "our requests carry metadata (0, 0)",
  );
});

t.test("a request is answered with op + 1, the request's rpc id and the request's metadata", async (t) => {
  const { rpc, peer } = await pair(t);
  rpc.handle("GET_ECO_INFO_LIST_REQUEST", () => ({ error_code: 0, eco_info_list: [] }));
  const meta: Metadata = { branch: 65537, clusterPeerId: 0xfeedn };
  peer.send("GET_ECO_INFO_LIST_REQUEST", {}, { ...meta, rpcId: 42n });
  const reply = await peer.waitFrame((f) => f.rpcId === 42n, "the reply");
  t.equal(reply.op, opOf("GET_ECO_INFO_LIST_REQUEST") + 1, "response op is request op + 1");
  t.equal(reply.op, opOf("GET_ECO_INFO_LIST_RESPONSE"));
  t.equal(reply.rpcId, 42n, "same rpc id");
  t.equal(reply.branch, 65537, "request's branch echoed");
  t.equal(reply.clusterPeerId, 0xfeedn, "request's cluster_peer_id echoed");
  t.same(
    reply.payload,
    encode(clusterOps.byName("GET_ECO_INFO_LIST_RESPONSE")!.message, { error_code: 0, eco_info_list: [] }),
  );
});

t.test("request ids may skip but must increase; the first may even be 0", async (t) => {
  const { rpc, peer } = await pair(t);
  rpc.handle("PING", () => pong());
  for (const id of [0n, 5n, 9n]) peer.send("PING", emptyPing, { rpcId: id });
  await peer.waitFrame((f) => f.op === opOf("PONG") && f.rpcId === 9n, "PONG 9");
  t.same(
    peer.frames.map((f) => f.rpcId),
    [0n, 5n, 9n],
    "each request answered under its own id",
  );
  t.notOk(rpc.closed);
});

t.test("a repeated request id closes the link", async (t) => {
  const { rpc, peer, closed } = await pair(t);
  let handled = 0;
  rpc.handle("PING", () => (handled++, pong()));
  peer.send("PING", emptyPing, { rpcId: 3n });
  peer.send("PING", emptyPing, { rpcId: 3n });
  await peer.waitClosed();
  t.match(await closed, /rpc id 3 not above the previous request's 3/);
  t.equal(handled, 1, "the repeat is not handled");
  t.equal(peer.frames.length, 1, "only the first request is answered");
});

t.test("a lower request id closes the link", async (t) => {
  const { peer, rpc, closed } = await pair(t);
  rpc.handle("PING", () => pong());
  peer.send("PING", emptyPing, { rpcId: 8n });
  peer.send("PING", emptyPing, { rpcId: 7n });
  await peer.waitClosed();
  t.match(await closed, /rpc id 7/);
});

t.test("a command runs with rpc id 0 and is not answered", async (t) => {
  const { rpc, peer } = await pair(t);
  const seen: bigint[] = [];
  rpc.onCommand("DESTROY_CLUSTER_PEER_CONNECTION_COMMAND", (cmd) => void seen.push(cmd.cluster_peer_id));
  rpc.handle("PING", () => pong());
  peer.send("DESTROY_CLUSTER_PEER_CONNECTION_COMMAND", { cluster_peer_id: 5n }, { rpcId: 0n });
  peer.send("PING", emptyPing, { rpcId: 1n });
  await peer.waitFrame((f) => f.op === opOf("PONG"), "PONG");
  t.same(seen, [5n], "command handled");
  t.same(
    peer.frames.map((f) => f.op),
    [opOf("PONG")],
    "nothing sent back for the command",
  );
});

t.test("a command with a non-zero rpc id closes the link, unhandled", async (t) => {
  const { rpc, peer, closed } = await pair(t);
  const seen: bigint[] = [];
  rpc.onCommand("DESTROY_CLUSTER_PEER_CONNECTION_COMMAND", (cmd) => void seen.push(cmd.cluster_peer_id));
  peer.send("DESTROY_CLUSTER_PEER_CONNECTION_COMMAND", { cluster_peer_id: 5n }, { rpcId: 1n });
  await peer.waitClosed();
  t.match(await closed, /non-zero rpc id 1/);
  t.same(seen, []);
});

t.test("an unknown op closes the link", async (t) => {
  const { peer, closed } = await pair(t);
  peer.sendRawFrame({ ...ROOT_META, op: 156, rpcId: 1n }, Buffer.alloc(0)); // 156 is unused
  await peer.waitClosed();
  t.match(await closed, /unknown cluster op 156/);
});

t.test("an undecodable payload closes the link", async (t) => {
  const { rpc, peer, closed } = await pair(t);
  let handled = false;
  rpc.handle("PING", () => ((handled = true), pong()));
  const good = encode(Ping, emptyPing);
  peer.sendRawFrame({ ...ROOT_META, op: opOf("PING"), rpcId: 1n }, good.subarray(0, good.length - 1));
  await peer.waitClosed();
  t.match(await closed, /undecodable PING payload/);
  t.notOk(handled);
});

t.test("trailing bytes after a payload are ignored, as in pyquarkchain", async (t) => {
  const { rpc, peer } = await pair(t);
  rpc.handle("PING", () => pong());
  peer.sendRawFrame(
    { ...ROOT_META, op: opOf("PING"), rpcId: 1n },
    Buffer.concat([encode(Ping, emptyPing), Buffer.from([1, 2, 3])]),
  );
  await peer.waitFrame((f) => f.op === opOf("PONG"), "PONG");
  t.notOk(rpc.closed);
});

t.test("a response nobody is waiting for closes the link", async (t) => {
  const { peer, closed } = await pair(t);
  peer.send("PONG", pong(), { rpcId: 77n });
  await peer.waitClosed();
  t.match(await closed, /unexpected PONG with rpc id 77/);
});

t.test("a handler that throws closes the link without answering", async (t) => {
  const { rpc, peer, closed } = await pair(t);
  rpc.handle("PING", () => {
    throw new Error("boom");
  });
  peer.send("PING", emptyPing, { rpcId: 1n });
  await peer.waitClosed();
  t.match(await closed, /PING handler failed: boom/);
  t.same(peer.frames, []);
});

t.test("a handler given a failure answer: a throw or a rejection is answered with it, the link stays", async (t) => {
  const { rpc, peer } = await pair(t);
  const seen: string[] = [];
  const failed = (err: unknown) => {
    seen.push(err instanceof Error ? err.message : String(err));
    return { error_code: 5, eco_info_list: [] };
  };
  let n = 0;
  rpc.handle(
    "GET_ECO_INFO_LIST_REQUEST",
    () => {
      n++;
      if (n === 1) throw new Error("sync boom");
      if (n === 2) return Promise.reject(new Error("async boom"));
      return Promise.resolve({ error_code: 0, eco_info_list: [] });
    },
    failed,
  );
  const answers = await Promise.all([1, 2, 3].map(() => peer.call("GET_ECO_INFO_LIST_REQUEST", {})));
  t.same(
    answers.map((a) => a.error_code),
    [5, 5, 0],
    "the failures answered with the failure answer, then a normal answer",
  );
  t.same(seen, ["sync boom", "async boom"], "each failure reached it");
  t.notOk(rpc.closed, "the link is still up");
});

t.test("an answer with the wrong op fails that call only", async (t) => {
  const { rpc, peer } = await pair(t);
  let answered = 0;
  peer.onRequest("PING", (_req, f) => {
    if (answered++ === 0) {
      peer.send("GET_ECO_INFO_LIST_RESPONSE", { error_code: 0, eco_info_list: [] }, { rpcId: f.rpcId });
      return undefined;
    }
    return pong();
  });
  await expectRpcError(t, rpc.call("PING", emptyPing), "bad-response", "mismatched answer");
  const ok = await rpc.call("PING", emptyPing);
  t.equal(Buffer.from(ok.id).toString(), "S1", "the link still works");
});

t.test("calls time out one by one; a late answer is then dropped without closing", async (t) => {
  const log = captureLog();
  const { rpc, peer } = await pair(t, { log: log.log });
  let silent = true;
  peer.onRequest("PING", () => (silent ? undefined : pong()));
  const calls = [1, 2, 3].map(() => rpc.call("PING", emptyPing, { timeoutMs: 20 }));
  for (const [i, c] of calls.entries()) await expectRpcError(t, c, "timeout", `call ${i + 1}`);
  t.equal(rpc.pendingCalls, 0, "nothing left pending");
  // The answers to calls 1 and 3 arrive after their deadlines.
  peer.send("PONG", pong(), { rpcId: 1n });
  peer.send("PONG", pong(), { rpcId: 3n });
  silent = false;
  const after = await rpc.call("PING", emptyPing);
  t.equal(Buffer.from(after.id).toString(), "S1", "the link is still up and answers");
  t.notOk(rpc.closed);
  t.equal(log.find("late response after timeout dropped").length, 2, "both late answers dropped");
});

t.test("every pending call fails at once when the link closes", async (t) => {
  const { rpc, peer } = await pair(t);
  const calls = [1, 2, 3].map(() => rpc.call("PING", emptyPing));
  await peer.waitFrame((f) => f.op === opOf("PING") && f.rpcId === 3n, "the third PING");
  t.equal(rpc.pendingCalls, 3);
  let pendingWhenFirstFailed = -1;
  calls[0]!.catch(() => (pendingWhenFirstFailed = rpc.pendingCalls));
  peer.destroy();
  for (const [i, c] of calls.entries()) await expectRpcError(t, c, "closed", `call ${i + 1}`);
  t.equal(pendingWhenFirstFailed, 0, "the table was already empty when the first call failed");
  await expectRpcError(t, rpc.call("PING", emptyPing), "closed", "a call after close");
});

t.test(
  "a handler may call the other side while the link keeps being read (PING awaits ADD_MINOR_BLOCK_HEADER)",
  async (t) => {
    const { rpc, peer } = await pair(t);
    rpc.handle("PING", async () => {
      const res = await rpc.call("ADD_MINOR_BLOCK_HEADER_REQUEST", genesisHeaderRequest(1));
      if (res.error_code !== 0) throw new Error("refused");
      return pong();
    });
    peer.onRequest("ADD_MINOR_BLOCK_HEADER_REQUEST", () => ({
      error_code: 0,
      artificial_tx_config: { target_root_block_time: 0, target_minor_block_time: 0 },
    }));
    const res = await peer.call("PING", emptyPing);
    t.equal(Buffer.from(res.id).toString(), "S1");
    t.same(
      peer.trace.map((e) => [e.dir, e.op, e.rpcId]),
      [
        ["out", opOf("PING"), 1n],
        ["in", opOf("ADD_MINOR_BLOCK_HEADER_REQUEST"), 1n],
        ["out", opOf("ADD_MINOR_BLOCK_HEADER_RESPONSE"), 1n],
        ["in", opOf("PONG"), 1n],
      ],
      "header request, its answer, then the PONG; both ends count rpc ids on their own",
    );
  },
);

t.test("back-pressure: reading pauses while the peer does not read, resumes on drain, nothing lost", async (t) => {
  const { link, rpc, peer } = await pair(t, { rpcTimeoutMs: 60_000 });
  const FRAME = 1 << 20;
  const payload = (i: number) => {
    const b = Buffer.alloc(FRAME, i & 0xff);
    b.writeUInt32BE(i, 0);
    return b;
  };
  let pausedWhileHandling: boolean | undefined;
  rpc.handle("GET_ECO_INFO_LIST_REQUEST", () => {
    pausedWhileHandling = link.socket.isPaused();
    return { error_code: 0, eco_info_list: [] };
  });
  peer.onRequest("ADD_MINOR_BLOCK_REQUEST", (req) => ({
    error_code: Buffer.from(req.minor_block_data).readUInt32BE(0),
  }));

  peer.pause();
  const calls: Array<Promise<{ error_code: number }>> = [];
  const send = () => calls.push(rpc.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: payload(calls.length) }));
  while (!link.socket.isPaused() && calls.length < 256) send();
  t.ok(link.socket.isPaused(), `our reading paused once the socket buffer filled (after ${calls.length} frames)`);
  for (let i = 0; i < 4; i++) send(); // more, queued behind the congestion

  // A request the peer sends now cannot be read until the peer drains us.
  const eco = peer.call("GET_ECO_INFO_LIST_REQUEST", {});
  peer.resume();
  const answers = await within(Promise.all(calls), "every call answered", 30_000);
  t.same(
    answers.map((a) => a.error_code),
    calls.map((_, i) => i),
    "every frame arrived, in order",
  );
  const got = peer.frames.filter((f) => f.op === opOf("ADD_MINOR_BLOCK_REQUEST"));
  t.equal(got.length, calls.length);
  t.ok(
    got.every((f, i) => f.rpcId === BigInt(i + 1) && f.payload.subarray(4).equals(payload(i))),
    "every payload intact, rpc ids in order",
  );
  await eco;
  t.equal(pausedWhileHandling, false, "the peer's request was read only after reading resumed");
  t.notOk(link.socket.isPaused(), "reading resumed");
  t.notOk(rpc.closed);
});

t.test("a handler that waits does not hold up later frames: a later request is answered first", async (t) => {
  const { rpc, peer } = await pair(t);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  rpc.handle("PING", async (ping) => {
    await gate;
    return { id: ping.id, full_shard_id_list: ping.full_shard_id_list };
  });
  rpc.handle("GET_ECO_INFO_LIST_REQUEST", () => ({ error_code: 0, eco_info_list: [] }));
  const ping = peer.call("PING", { id: Buffer.from("echo"), full_shard_id_list: [1, 65537], root_tip: null });
  await peer.call("GET_ECO_INFO_LIST_REQUEST", {});
  release();
  const res = await ping;
  t.same(encode(Pong, res), encode(Pong, { id: Buffer.from("echo"), full_shard_id_list: [1, 65537] }));
  t.same(
    peer.frames.map((f) => [f.op, f.rpcId]),
    [
      [opOf("GET_ECO_INFO_LIST_RESPONSE"), 2n],
      [opOf("PONG"), 1n],
    ],
    "answers leave in completion order, each under its own rpc id",
  );
});

t.test("latencies are measured only once something reads them; decode errors always count", async (t) => {
  const timings = new RpcTimings();
  const { rpc, peer } = await pair(t, { timings });
  peer.onRequest("PING", () => pong());
  rpc.handle("PING", () => pong("S2"));
  await rpc.call("PING", emptyPing);
  await peer.call("PING", emptyPing);
  t.equal(timings.series.size, 0, "off by default: no clock reads, no series");

  timings.latency = true;
  await rpc.call("PING", emptyPing);
  await peer.call("PING", emptyPing);
  const counts = Object.fromEntries([...timings.series.values()].map((s) => [s.side, s.histogram.count]));
  t.same(counts, { call: 1, serve: 1 }, "on: one observation per call and per answer");

  peer.sendRawFrame({ ...ROOT_META, op: 156, rpcId: 9n }, Buffer.alloc(0)); // 156 is unused
  await peer.waitClosed();
  t.same([...timings.decodeErrors], [["unknown-op", 1]], "the unknown op is counted");
});
