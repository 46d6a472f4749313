import { type AddressInfo, Socket, createServer } from "node:net";
import t from "tap";
import { SocketLink } from "../../src/cluster/socket-link.ts";
import { dialSocket, within } from "../../harness/frame-socket.ts";
import { captureLog } from "../helpers/test-log.ts";
import { TestSibling } from "../../harness/test-sibling.ts";
import { SHARD_A, SHARD_B, type Test, connectMaster, masterAnswers, startHardened, until } from "./harness.ts";
import { xshardProbe } from "../../harness/tcp-fuzz.ts";

/**
 * Deadlines: a frame started must finish (slow-loris), on every link; the clock stops
 * while we ourselves do not read; outbound calls time out and their late answers are
 * dropped without closing the link; dials time out.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first `n` bytes of a frame header announcing a 100-byte payload. */
function partialFrame(n: number): Buffer {
  const b = Buffer.alloc(13 + 100);
  b.writeUInt32BE(100, 0);
  return b.subarray(0, n);
}

async function linkedSibling(t: Test, port: number, id = "S2") {
  const link = await TestSibling.dial(port, id);
  t.teardown(() => link.destroy());
  await link.ping(id, [SHARD_B]);
  return link;
}

t.test("slow-loris on a sibling link: a frame unfinished at its deadline closes that link only", async (t) => {
  const slave = await startHardened(t, { frameTimeoutMs: 100, siblingCheck: "off" });
  const master = await connectMaster(t, slave.port, { root: true });
  const stalled = await linkedSibling(t, slave.port, "S2");
  const dribbling = await linkedSibling(t, slave.port, "S3");
  stalled.sendBytes(partialFrame(5));
  // One byte at a time, forever: bytes keep coming, the frame never ends.
  let at = 0;
  const frame = partialFrame(113);
  const drip = setInterval(() => (at < frame.length - 1 ? dribbling.sendBytes(frame.subarray(at, ++at)) : null), 10);
  t.teardown(() => clearInterval(drip));
  await stalled.waitClosed("the stalled link to close");
  await dribbling.waitClosed("the dribbling link to close");
  clearInterval(drip);
  t.equal(slave.server.stats().closes["frame-timeout"], 2);
  t.match(slave.log.find("bad frame")[0], { kind: "frame-timeout", reason: /frame unfinished after 100 ms/ });
  await masterAnswers(t, master, "the master link is untouched");
});

t.test("an idle link is not a slow link: no partial frame, no deadline", async (t) => {
  const slave = await startHardened(t, { frameTimeoutMs: 50, siblingCheck: "off" });
  await connectMaster(t, slave.port, { root: true });
  const link = await linkedSibling(t, slave.port);
  await sleep(200); // four deadlines of silence between whole frames
  const res = await link.call("ADD_XSHARD_TX_LIST_REQUEST", xshardProbe(SHARD_A, 1));
  t.equal(res.error_code, 0, "still served");
  t.equal(slave.server.stats().closes["frame-timeout"], undefined);
});

t.test("slow-loris on the master link closes it (and so stops the slave, as any master-link error)", async (t) => {
  const slave = await startHardened(t, { frameTimeoutMs: 100 });
  const master = await connectMaster(t, slave.port);
  master.sendBytes(partialFrame(20));
  t.match(await within(slave.server.stopped, "the slave to stop"), /frame unfinished after 100 ms/);
});

t.test("the frame clock stops while we do not read, and starts afresh when we read again", async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  const peer = await dialSocket((server.address() as AddressInfo).port);
  const socket = await accepted;
  server.close();
  const log = captureLog();
  const link = new SocketLink(socket, { link: "slave", name: "us", log: log.log, frameTimeoutMs: 80 });
  let closedReason: string | undefined;
  link.onClose((reason) => (closedReason = reason));
  link.start(() => {});
  // A paused socket alone does not keep the event loop alive (a listening slave does).
  const keepAlive = setInterval(() => {}, 1000);
  t.teardown(() => {
    clearInterval(keepAlive);
    link.close("test over");
    peer.destroy();
  });
  peer.write(partialFrame(6));
  await until(() => link.buffered === 6, "the partial frame to be read");
  link.hold("owner");
  await sleep(250); // three deadlines while held
  t.equal(closedReason, undefined, "not closed while we were not reading");
  link.release("owner");
  await until(() => closedReason !== undefined, "the restarted deadline to close it");
  t.match(closedReason, /frame unfinished after 80 ms/);
});

t.test("an outbound call times out; its late answer is dropped and the sibling link stays", async (t) => {
  const slave = await startHardened(t, { rpcTimeoutMs: 100, shards: [SHARD_A] });
  const master = await connectMaster(t, slave.port, { root: true });
  const s2 = await TestSibling.listen({ id: "S2", shards: [SHARD_B] });
  t.teardown(() => s2.close());
  t.same(await master.connectToSlaves([s2.info()]), [""]);
  const link = await s2.waitLink();
  const seen: bigint[] = [];
  link.onRequest("ADD_XSHARD_TX_LIST_REQUEST", (_, f) => {
    seen.push(f.rpcId);
    return undefined; // hold the answer
  });
  const [failure] = await slave.server.pool.sendXshardTxLists([xshardProbe(SHARD_B, 1)]);
  t.match(failure, { slave: "S2", error: /got no answer within 100 ms/ });
  // The answer comes late: dropped, logged, not a protocol error.
  link.send("ADD_XSHARD_TX_LIST_RESPONSE", { error_code: 0 }, { rpcId: seen[0]! });
  link.onRequest("ADD_XSHARD_TX_LIST_REQUEST", () => ({ error_code: 0 }));
  t.same(await slave.server.pool.sendXshardTxLists([xshardProbe(SHARD_B, 2)]), [], "the next call is answered");
  t.equal(slave.log.find("late response after timeout dropped").length, 1);
  t.equal(slave.server.pool.size, 1, "the link stayed");
  t.equal(slave.server.stats().pendingCalls.total, 0);
});

t.test("a dial that never connects fails at its deadline; the socket is destroyed", async (t) => {
  const sockets: Socket[] = [];
  const slave = await startHardened(t, {
    dialTimeoutMs: 50,
    connect: () => {
      const s = new Socket(); // never connects
      sockets.push(s);
      return s;
    },
  });
  const master = await connectMaster(t, slave.port);
  const [result] = await master.connectToSlaves([
    { id: Buffer.from("S2"), host: Buffer.from("192.0.2.1"), port: 38000, full_shard_id_list: [SHARD_B] },
  ]);
  t.match(result, /^Failed to connect 192\.0\.2\.1:38000 with exception no connection within 50 ms$/);
  t.equal(sockets.length, 1);
  t.ok(sockets[0]!.destroyed, "the socket that never connected is destroyed");
  await masterAnswers(t, master, "the master link is up");
});
