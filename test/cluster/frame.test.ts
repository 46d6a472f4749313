import t from "tap";
import { encode } from "../../src/codec/index.ts";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Frame,
  FrameError,
  type FrameHeader,
  type LinkKind,
  encodeFrame,
  encodeRawFrame,
  headerSize,
} from "../../src/cluster/frame/format.ts";
import { FrameDecoder } from "../../src/cluster/frame/decoder.ts";
import {
  AddMinorBlockHeaderResponse,
  ClusterOp,
  ConnectToSlavesResponse,
  CreateClusterPeerConnectionRequest,
  CreateClusterPeerConnectionResponse,
  DestroyClusterPeerConnectionCommand,
  Ping,
  Pong,
  SlaveInfo,
} from "../../src/messages/cluster.ts";
import { RootBlock } from "../../src/messages/core.ts";
import { CommandOp, NewTransactionListCommand } from "../../src/messages/p2p.ts";
import { decodeOpPayload } from "../../src/messages/registry.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

/**
 * Framing (PROTOCOL.md §1): [u32 payload size][metadata: 12 bytes master, 0 slave, 4 p2p]
 * [u8 op][u64 rpc_id][payload]. The worked frames of Appendix A are pinned here byte for
 * byte; the decoder is then driven with every way TCP can cut a stream.
 */

reportSeedOnFailure(t);

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, "").replace(/\(nometadata\)/g, ""), "hex");
/** Appendix A's hex, with its spacing and field separators removed. */
const spec = (s: string): string => hex(s).toString("hex");
const ascii = (s: string): Buffer => Buffer.from(s, "ascii");
const LINKS: readonly LinkKind[] = ["master", "slave", "p2p"];
const MiB = 1024 * 1024;

/** The master always sends cluster RPCs with ClusterMetadata(branch 0, cluster_peer_id 0). */
const cluster = (op: number, rpcId: bigint): FrameHeader => ({ branch: 0, clusterPeerId: 0n, op, rpcId });

/** Feeds chunks and collects every frame, or the FrameError that stopped the decoder. */
function feed(decoder: FrameDecoder, chunks: Iterable<Buffer>): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) decoder.push(chunk, (f) => frames.push(f));
  return frames;
}

function frameError(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (e) {
    return e instanceof FrameError ? `FrameError ${e.kind}` : `unexpected ${String(e)}`;
  }
}

/** A frame as plain data, for comparisons that print well. */
const summary = (f: Frame) => ({
  branch: f.branch,
  clusterPeerId: f.clusterPeerId.toString(),
  op: f.op,
  rpcId: f.rpcId.toString(),
  payload: f.payload.toString("hex"),
});

function* chunksOf(stream: Buffer, sizes: () => number): Generator<Buffer> {
  for (let at = 0; at < stream.length;) {
    const n = Math.max(1, sizes());
    yield stream.subarray(at, at + n);
    at += n;
  }
}

t.test("Appendix A: worked frames, byte for byte", async (t) => {
  const a1 = encodeFrame("master", cluster(ClusterOp.PING, 1n), Ping, {
    id: ascii(""),
    full_shard_id_list: [],
    root_tip: null,
  });
  t.equal(
    a1.toString("hex"),
    spec("00000009 | 00000000 0000000000000000 | 81 | 0000000000000001 | 00000000 00000000 00"),
    "A.1 the master's first PING: empty id, empty list, no root tip",
  );

  const a2 = encodeFrame("master", cluster(ClusterOp.PONG, 1n), Pong, {
    id: ascii("S0"),
    full_shard_id_list: [1, 65537],
  });
  t.equal(
    a2.toString("hex"),
    spec("00000012 | 00000000 0000000000000000 | 82 | 0000000000000001 | 00000002 5330 00000002 00000001 00010001"),
    "A.2 the slave's PONG echoes metadata and rpc_id",
  );

  const a3 = encodeFrame("slave", cluster(ClusterOp.PING, 1n), Ping, {
    id: ascii("S1"),
    full_shard_id_list: [2, 3],
    root_tip: RootBlock.zero(),
  });
  t.equal(
    a3.toString("hex"),
    spec(
      "00000112 | (no metadata) | 81 | 0000000000000001 | 00000002 5331  00000002 00000002 00000003  01" +
        "00".repeat(255),
    ),
    "A.3 slave-to-slave PING: no metadata, a present 255-byte default RootBlock",
  );
  t.equal(a3.readUInt32BE(0), 274, "A.3 payload is 0x112 = 274 bytes");

  const peer = 0x0102030405060708n;
  t.equal(
    encodeFrame(
      "master",
      cluster(ClusterOp.CREATE_CLUSTER_PEER_CONNECTION_REQUEST, 7n),
      CreateClusterPeerConnectionRequest,
      { cluster_peer_id: peer },
    ).toString("hex"),
    spec("00000008 | 00000000 0000000000000000 | 99 | 0000000000000007 | 0102030405060708"),
    "A.4 CREATE_CLUSTER_PEER_CONNECTION_REQUEST: the peer id is in the payload, not the metadata",
  );
  t.equal(
    encodeFrame(
      "master",
      cluster(ClusterOp.CREATE_CLUSTER_PEER_CONNECTION_RESPONSE, 7n),
      CreateClusterPeerConnectionResponse,
      { error_code: 0 },
    ).toString("hex"),
    spec("00000004 | 00000000 0000000000000000 | 9a | 0000000000000007 | 00000000"),
    "A.4 …and its response, same rpc_id",
  );

  t.equal(
    encodeFrame(
      "master",
      cluster(ClusterOp.DESTROY_CLUSTER_PEER_CONNECTION_COMMAND, 0n),
      DestroyClusterPeerConnectionCommand,
      { cluster_peer_id: peer },
    ).toString("hex"),
    spec("00000008 | 00000000 0000000000000000 | 9b | 0000000000000000 | 0102030405060708"),
    "A.5 DESTROY is a command: rpc_id 0",
  );

  const a6 = encodeFrame(
    "master",
    { branch: 0x00010001, clusterPeerId: 42n, op: CommandOp.NEW_TRANSACTION_LIST, rpcId: 0n },
    NewTransactionListCommand,
    { transaction_list: [] },
  );
  t.equal(
    a6.toString("hex"),
    spec("00000004 | 00010001 000000000000002a | 02 | 0000000000000000 | 00000000"),
    "A.6 a forwarded P2P command: branch 65537 and cluster peer 42 in the metadata",
  );

  t.equal(
    encodeFrame("master", cluster(ClusterOp.CONNECT_TO_SLAVES_RESPONSE, 2n), ConnectToSlavesResponse, {
      result_list: [ascii(""), ascii("x")],
    }).toString("hex"),
    spec("0000000d | 00000000 0000000000000000 | 84 | 0000000000000002 | 00000002 00000000 00000001 78"),
    "A.7 ConnectToSlavesResponse: empty bytes = success, else an error text",
  );

  const s1 = { id: ascii("S1"), host: ascii("127.0.0.1"), port: 38001, full_shard_id_list: [2, 3] };
  t.equal(
    encode(SlaveInfo, s1).toString("hex"),
    spec("00000002 5331 | 00000009 3132372e302e302e31 | 9471 | 00000002 00000002 00000003"),
    "A.8 SlaveInfo(S1, 127.0.0.1, 38001, [2, 3]) (a payload fragment)",
  );

  const a9 = encodeFrame(
    "master",
    cluster(ClusterOp.ADD_MINOR_BLOCK_HEADER_RESPONSE, 3n),
    AddMinorBlockHeaderResponse,
    {
      error_code: 0,
      artificial_tx_config: { target_root_block_time: 10, target_minor_block_time: 3 },
    },
  );
  t.equal(
    a9.toString("hex"),
    spec("0000000c | 00000000 0000000000000000 | 92 | 0000000000000003 | 00000000 0000000a 00000003"),
    "A.9 ADD_MINOR_BLOCK_HEADER_RESPONSE from the master",
  );

  t.equal(
    encodeRawFrame("master", cluster(0x81, 1n), a1.subarray(25)).toString("hex"),
    a1.toString("hex"),
    "encodeRawFrame around the encoded payload gives the same frame",
  );
  t.equal(headerSize("master"), 25, "master header: 4 + 12 + 1 + 8");
  t.equal(headerSize("slave"), 13, "slave header: 4 + 0 + 1 + 8");
  t.equal(headerSize("p2p"), 17, "p2p header: 4 + 4 + 1 + 8");

  // And back: the decoder splits the master-link frames, the op map parses each payload.
  const frames = feed(new FrameDecoder("master"), [Buffer.concat([a1, a2, a6, a9])]);
  t.same(
    frames.map((f) => [f.op, f.branch, f.clusterPeerId, f.rpcId, f.payload.length]),
    [
      [0x81, 0, 0n, 1n, 9],
      [0x82, 0, 0n, 1n, 18],
      [0x02, 0x00010001, 42n, 0n, 4],
      [0x92, 0, 0n, 3n, 12],
    ],
    "the decoder reads the headers back",
  );
  const pong = decodeOpPayload("cluster", frames[1]!.op, frames[1]!.payload).value as Pong;
  t.same(pong.full_shard_id_list, [1, 65537], "A.2 payload parses as the PONG");
  const [slaveFrame] = feed(new FrameDecoder("slave"), [a3]);
  t.equal(slaveFrame?.payload.length, 274, "A.3 reads back on a slave link");
  const slavePing = decodeOpPayload("cluster", ClusterOp.PING, slaveFrame!.payload).value as Ping;
  t.ok(slavePing.root_tip !== null, "A.3 the mesh PING carries a root tip");
});

t.test("the decoder returns the same frames however the stream is cut", async (t) => {
  for (const link of LINKS) {
    const rand = makeRandom(`frame-stream:${link}`);
    const expected: Frame[] = [];
    const parts: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      // Mostly small, many empty (GetEcoInfoListRequest-like), a few larger than the read chunks below.
      const sizeClass = rand.int(10);
      const size =
        sizeClass < 2 ? 0 : sizeClass < 7 ? rand.int(64) : sizeClass < 9 ? rand.int(4096) : 65536 + rand.int(8192);
      const header: FrameHeader = {
        branch: link === "slave" ? 0 : rand.u32(),
        clusterPeerId: link === "master" ? BigInt(rand.u32()) * 0x1_0000_0000n + BigInt(rand.u32()) : 0n,
        op: rand.int(256),
        rpcId: BigInt(rand.u32()) * 0x1_0000_0000n + BigInt(rand.u32()),
      };
      const payload = Buffer.from(rand.bytes(size));
      expected.push({ ...header, payload });
      parts.push(encodeRawFrame(link, header, payload));
    }
    const stream = Buffer.concat(parts);
    const want = expected.map(summary);

    const cuts: Array<[string, () => Iterable<Buffer>]> = [
      ["one chunk", () => [stream]],
      ["byte by byte", () => chunksOf(stream, () => 1)],
      ["random small splits", () => chunksOf(stream, () => 1 + rand.int(40))],
      ["random splits up to 100 KiB", () => chunksOf(stream, () => 1 + rand.int(100 * 1024))],
      ["64 KiB reads", () => chunksOf(stream, () => 65536)],
    ];
    for (const [how, chunks] of cuts) {
      const decoder = new FrameDecoder(link);
      const got = feed(decoder, chunks()).map(summary);
      const firstDiff = got.findIndex((g, i) => JSON.stringify(g) !== JSON.stringify(want[i]));
      t.ok(
        got.length === want.length && firstDiff === -1,
        `${link} link, ${how}: ${want.length} frames (${stream.length} bytes) in order`,
        { got: got.length, want: want.length, firstDiff },
      );
      t.doesNotThrow(() => decoder.end(), `${link} link, ${how}: the stream ends on a frame boundary`);
      t.equal(decoder.buffered, 0, `${link} link, ${how}: nothing left over`);
    }

    // The pull form as a socket reader uses it, also with several chunks fed before frames are read.
    const puller = new FrameDecoder(link);
    const pulled: Frame[] = [];
    let fed = 0;
    for (const chunk of chunksOf(stream, () => 1 + rand.int(3000))) {
      puller.feed(chunk);
      if (++fed % 3 !== 0) continue;
      for (let f = puller.next(); f !== undefined; f = puller.next()) pulled.push(f);
    }
    for (let f = puller.next(); f !== undefined; f = puller.next()) pulled.push(f);
    t.same(pulled.map(summary), want, `${link} link, feed/next, three chunks fed per read: every frame in order`);
    t.equal(puller.buffered, 0, `${link} link, feed/next: nothing left over`);
  }
});

t.test("a frame inside one chunk is a view; a frame across chunks is one copy", async (t) => {
  const payload = Buffer.from("payload bytes", "ascii");
  const frame = encodeRawFrame("master", cluster(0x90, 5n), payload);

  // Two whole frames in one chunk: both payloads are views of that chunk.
  const chunk = Buffer.concat([frame, frame]);
  const inOne = feed(new FrameDecoder("master"), [chunk]);
  t.equal(inOne.length, 2, "two frames from one chunk");
  chunk[25] = 0x50; // "p" → "P" in the first frame's payload
  t.equal(inOne[0]!.payload.toString("ascii"), "Payload bytes", "the payload sees a change to the chunk: a view");

  // One frame cut in three: its payload is assembled once, and owns its bytes.
  const pieces = [
    Buffer.from(frame.subarray(0, 10)),
    Buffer.from(frame.subarray(10, 30)),
    Buffer.from(frame.subarray(30)),
  ];
  let copies = 0;
  for (const p of pieces) {
    const copy = p.copy.bind(p);
    p.copy = (...args: Parameters<Buffer["copy"]>) => (copies++, copy(...args));
  }
  const across = feed(new FrameDecoder("master"), pieces);
  t.equal(across.length, 1, "one frame from three chunks");
  t.equal(across[0]!.payload.toString("ascii"), "payload bytes", "the payload is intact");
  t.equal(copies, 3, "each chunk was copied from exactly once");
  for (const p of pieces) p.fill(0);
  t.equal(across[0]!.payload.toString("ascii"), "payload bytes", "the payload owns its bytes: a copy");
});

t.test("payload size limit (§1.3): refused as soon as the length field arrives", async (t) => {
  for (const link of LINKS) {
    const d = new FrameDecoder(link);
    t.equal(d.maxPayloadBytes, 128 * MiB, `${link}: the default limit is 128 MiB`);
  }
  t.equal(DEFAULT_MAX_PAYLOAD_BYTES, 128 * MiB, "DEFAULT_MAX_PAYLOAD_BYTES is P2P_COMMAND_SIZE_LIMIT");

  for (const link of LINKS) {
    const over = Buffer.alloc(4);
    over.writeUInt32BE(128 * MiB + 1);
    const d = new FrameDecoder(link);
    t.equal(
      frameError(() => feed(d, [over.subarray(0, 3)])),
      "no error",
      `${link}: three length bytes are not enough`,
    );
    t.equal(
      frameError(() => feed(d, [over.subarray(3)])),
      "FrameError too-large",
      `${link}: 128 MiB + 1 is refused at the 4th length byte, before any metadata or payload`,
    );

    const exact = Buffer.alloc(4);
    exact.writeUInt32BE(128 * MiB);
    const ok = new FrameDecoder(link);
    t.equal(
      frameError(() => feed(ok, [exact])),
      "no error",
      `${link}: exactly 128 MiB is allowed`,
    );
    t.ok(ok.inFrame, `${link}: …and the decoder now waits for that frame`);

    t.equal(
      frameError(() => feed(new FrameDecoder(link), [hex("ffffffff")])),
      "FrameError too-large",
      `${link}: a 4 GiB length is refused`,
    );
  }

  const small = new FrameDecoder("master", { maxPayloadBytes: 1000 });
  t.equal(small.maxPayloadBytes, 1000, "the limit is configurable");
  const atLimit = feed(small, [encodeRawFrame("master", cluster(1, 1n), Buffer.alloc(1000))]);
  t.equal(atLimit[0]?.payload.length, 1000, "a payload of exactly the limit is delivered");
  t.equal(
    frameError(() => feed(small, [encodeRawFrame("master", cluster(1, 2n), Buffer.alloc(1001)).subarray(0, 4)])),
    "FrameError too-large",
    "limit + 1 is refused from the length field alone",
  );
  const unlimited = new FrameDecoder("slave", { maxPayloadBytes: Number.MAX_SAFE_INTEGER });
  t.equal(
    frameError(() => feed(unlimited, [hex("ffffffff")])),
    "no error",
    "cluster links may lift the limit",
  );
});

t.test("end of stream: clean at a frame boundary, truncated inside a frame (§1.3)", async (t) => {
  t.doesNotThrow(() => new FrameDecoder("master").end(), "EOF before any byte is a clean close");

  for (const link of LINKS) {
    const frame = encodeRawFrame(link, { branch: 3, clusterPeerId: 9n, op: 0x87, rpcId: 4n }, hex("0102030405"));
    const bad: number[] = [];
    for (let n = 1; n < frame.length; n++) {
      const d = new FrameDecoder(link);
      const frames = feed(d, [frame.subarray(0, n)]);
      if (frames.length !== 0 || frameError(() => d.end()) !== "FrameError truncated") bad.push(n);
    }
    t.same(bad, [], `${link}: EOF after 1..${frame.length - 1} bytes (inside length, header or payload) is truncated`);

    const d = new FrameDecoder(link);
    t.equal(feed(d, [frame, frame]).length, 2, `${link}: two whole frames`);
    t.doesNotThrow(() => d.end(), `${link}: EOF right after a frame is clean`);
  }
});

t.test("a 16 MiB frame in 64 KiB reads is assembled in linear work", async (t) => {
  // No timing: the decoder must not touch earlier chunks again on each read (the quadratic
  // re-concatenation trap), so we count what it copies and allocates instead.
  const payload = Buffer.alloc(16 * MiB);
  for (let i = 0; i < payload.length; i += 4096) payload[i] = i >>> 12;
  const frame = encodeRawFrame("master", cluster(0x97, 11n), payload);
  const chunks = [...chunksOf(frame, () => 64 * 1024)];

  let copyCalls = 0;
  let bytesCopied = 0;
  for (const c of chunks) {
    const copy = c.copy.bind(c);
    c.copy = (target: Uint8Array, targetStart?: number, sourceStart = 0, sourceEnd = c.length) => {
      copyCalls++;
      bytesCopied += sourceEnd - sourceStart;
      return copy(target, targetStart, sourceStart, sourceEnd);
    };
  }
  const allocs: number[] = [];
  const { allocUnsafe, concat } = Buffer;
  let concats = 0;
  Buffer.allocUnsafe = (size: number) => (allocs.push(size), allocUnsafe(size));
  Buffer.concat = (...args: Parameters<typeof Buffer.concat>) => (concats++, concat(...args));
  const frames: Frame[] = [];
  let copiesBeforeLastChunk = -1;
  try {
    const d = new FrameDecoder("master");
    chunks.forEach((c, i) => {
      if (i === chunks.length - 1) copiesBeforeLastChunk = copyCalls;
      d.push(c, (f) => frames.push(f));
    });
    d.end();
  } finally {
    Buffer.allocUnsafe = allocUnsafe;
    Buffer.concat = concat;
  }

  t.equal(chunks.length, 257, "16 MiB + 25 header bytes arrive in 257 reads");
  t.equal(frames.length, 1, "one frame");
  t.ok(frames[0]!.payload.equals(payload), "the 16 MiB payload is intact");
  t.equal(copiesBeforeLastChunk, 0, "nothing is copied while the frame is incomplete");
  t.equal(copyCalls, chunks.length, "then each chunk is copied from once");
  t.equal(bytesCopied, frame.length, "every byte of the frame is copied exactly once");
  t.same(allocs, [frame.length], "one allocation, of the frame's size");
  t.equal(concats, 0, "no Buffer.concat");
});
