import t from "tap";
import { EncodeError } from "../../src/codec/index.ts";
import { type Frame, type FrameHeader, encodeFrame } from "../../src/cluster/frame/format.ts";
import { FrameDecoder } from "../../src/cluster/frame/decoder.ts";
import { FrameBatch } from "../../src/cluster/frame/batch.ts";
import { AddXshardTxListResponse, ClusterOp, Ping, Pong } from "../../src/messages/cluster.ts";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const h = (op: number, rpcId: bigint, peer = 0n): FrameHeader => ({
  branch: peer === 0n ? 0 : 0x00010001,
  clusterPeerId: peer,
  op,
  rpcId,
});
const pong = { id: Buffer.from("S0"), full_shard_id_list: [1, 0x00010001] };

t.test("the frames of one tick leave as one buffer, byte for byte the frames in order", async (t) => {
  const sent: Buffer[] = [];
  const batch = new FrameBatch("master", (b) => sent.push(Buffer.from(b)));
  const expected: Buffer[] = [];
  for (let i = 1; i <= 64; i++) {
    batch.add(h(ClusterOp.PONG, BigInt(i), BigInt(i % 3)), Pong, pong);
    expected.push(encodeFrame("master", h(ClusterOp.PONG, BigInt(i), BigInt(i % 3)), Pong, pong));
  }
  const raw = encodeFrame("master", h(ClusterOp.PING, 99n), Ping, {
    id: Buffer.alloc(0),
    full_shard_id_list: [],
    root_tip: null,
  });
  batch.addRaw(raw);
  expected.push(raw);
  t.equal(sent.length, 0, "nothing is written before the end of the tick");
  t.equal(batch.pendingFrames, 65, "65 frames wait");
  t.equal(batch.pendingBytes, Buffer.concat(expected).length, "their bytes");
  await tick();
  t.equal(sent.length, 1, "one write");
  t.same(sent[0], Buffer.concat(expected), "the same bytes as frame by frame");
  t.equal(batch.pendingBytes, 0, "nothing left");

  const frames: Frame[] = [];
  new FrameDecoder("master").push(sent[0]!, (f) => frames.push(f));
  t.same(
    frames.map((f) => [f.op, f.rpcId, f.clusterPeerId]),
    expected.map((_, i) => (i < 64 ? [ClusterOp.PONG, BigInt(i + 1), BigInt((i + 1) % 3)] : [ClusterOp.PING, 99n, 0n])),
    "and they decode as sent",
  );

  batch.add(h(ClusterOp.PONG, 100n), Pong, pong);
  await tick();
  t.equal(sent.length, 2, "a later tick is a later write");
});

t.test("an encoding error adds nothing and leaves the batch usable", async (t) => {
  const sent: Buffer[] = [];
  const batch = new FrameBatch("slave", (b) => sent.push(Buffer.from(b)));
  batch.add(h(ClusterOp.ADD_XSHARD_TX_LIST_RESPONSE, 1n), AddXshardTxListResponse, { error_code: 0 });
  const before = batch.pendingBytes;
  t.throws(
    () => batch.add(h(ClusterOp.PONG, 2n), Pong, { id: Buffer.from("S0"), full_shard_id_list: [1, -1] }),
    EncodeError,
    "the error is thrown to the caller",
  );
  t.equal(batch.pendingBytes, before, "the half-written frame is gone");
  t.equal(batch.pendingFrames, 1, "one frame waits");
  batch.add(h(ClusterOp.ADD_XSHARD_TX_LIST_RESPONSE, 3n), AddXshardTxListResponse, { error_code: 0 });
  batch.flush();
  t.equal(sent.length, 1, "flush() writes at once");
  const ids: bigint[] = [];
  new FrameDecoder("slave").push(sent[0]!, (f) => ids.push(f.rpcId));
  t.same(ids, [1n, 3n], "the two good frames, in order");
  await tick();
  t.equal(sent.length, 1, "the scheduled flush finds nothing more to write");
});

t.test("a batch past flushBytes is written without waiting for the tick", async (t) => {
  const sent: number[] = [];
  const batch = new FrameBatch("master", (b) => sent.push(b.length), { flushBytes: 100 });
  batch.add(h(ClusterOp.PONG, 1n), Pong, pong); // 25 + 18 bytes
  t.same(sent, [], "under the limit: waits");
  batch.add(h(ClusterOp.PONG, 2n), Pong, pong);
  batch.add(h(ClusterOp.PONG, 3n), Pong, pong);
  t.same(sent, [129], "over it: written at once");
  await tick();
  t.same(sent, [129], "nothing else");
});
