/**
 * Codec and framing throughput. Prints figures only; nothing here is a pass/fail check
 * (timings depend on the machine). `npm run bench:codec` runs it alone (about 20 s); `npm run bench`
 * runs it, then the load bench (bench/load.bench.ts).
 *
 * Every figure is the median of several timed runs after a warm-up run, so the JIT has
 * settled and one GC pause does not decide the result. MB means 10^6 bytes.
 */
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { type Codec, encode } from "../src/codec/index.ts";
import { type Frame, type FrameHeader, type LinkKind, encodeFrame } from "../src/cluster/frame/format.ts";
import { FrameDecoder } from "../src/cluster/frame/decoder.ts";
import { FrameBatch } from "../src/cluster/frame/batch.ts";
import {
  AddMinorBlockHeaderResponse,
  AddXshardTxListRequest,
  AddXshardTxListResponse,
  ClusterOp,
  GetEcoInfoListRequest,
  GetEcoInfoListResponse,
  GetMinorBlockResponse,
  Ping,
} from "../src/messages/cluster.ts";
import { NetworkGenesis, genesisRootBlock } from "../src/backend/genesis.ts";
import { configForShards } from "../src/config/quarkchain-config.ts";
import { GetMinorBlockListResponse, NewTransactionListCommand, p2pOps } from "../src/messages/p2p.ts";
import type { Family } from "../src/messages/ops.ts";
import { decodeOpPayload } from "../src/messages/registry.ts";
import { blockWithTransactions, rand, realisticDeposit, realisticTransaction, u64 } from "./samples.ts";

// buffer-layout ships no types; this is the little of its API the comparison uses.
interface Layout<T> {
  readonly span: number;
  decode(b: Buffer, offset?: number): T;
}
interface BufferLayoutApi {
  struct<T>(fields: Array<Layout<unknown>>, property?: string): Layout<T>;
  u8(property: string): Layout<number>;
  u32be(property: string): Layout<number>;
}
const BufferLayout = createRequire(import.meta.url)("buffer-layout") as BufferLayoutApi;

const RUN_MS = 200;
const RUNS = 5;
const MiB = 1024 * 1024;

interface Work {
  frames: number;
  bytes: number;
}

/** Runs `op` in timed batches: one warm-up batch, then RUNS batches; returns the median rate. */
function measure(label: string, perOp: Work, op: () => void, opts: { runMs?: number; runs?: number } = {}): number {
  const runMs = opts.runMs ?? RUN_MS;
  const runs = opts.runs ?? RUNS;
  // Calibrate: how many ops fit in a run (this doubles as the first warm-up).
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < runMs / 2) {
    op();
    n++;
  }
  const batch = Math.max(1, Math.round((n * runMs) / (performance.now() - t0)));
  const timed = (): number => {
    const start = performance.now();
    for (let i = 0; i < batch; i++) op();
    return (performance.now() - start) / 1000 / batch; // seconds per op
  };
  timed(); // warm-up at full batch size
  const perOpSeconds = Array.from({ length: runs }, timed).sort((a, b) => a - b);
  const median = perOpSeconds[Math.floor(runs / 2)]!;
  const framesPerSec = perOp.frames / median;
  const mbPerSec = perOp.bytes / median / 1e6;
  console.log(
    `  ${label.padEnd(72)} ${fmt(framesPerSec).padStart(10)} frames/s ${mbPerSec.toFixed(1).padStart(9)} MB/s`,
  );
  return median;
}

function fmt(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(1);
}

/** Encodes one frame per call; the header changes so nothing is cached between calls. */
function encodeBench<T>(label: string, link: LinkKind, op: number, codec: Codec<T>, value: T): Buffer {
  let rpcId = 0n;
  const sample = encodeFrame(link, { branch: 0, clusterPeerId: 0n, op, rpcId: 1n }, codec, value);
  let sink = 0;
  measure(label, { frames: 1, bytes: sample.length }, () => {
    sink ^= encodeFrame(link, { branch: 0, clusterPeerId: 0n, op, rpcId: ++rpcId }, codec, value).length;
  });
  if (sink === -1) console.log(sink); // keeps the work observable
  return sample;
}

/** Splits the frames off a buffer and parses each payload with the op map of `family`, per call. */
function decodeBench(label: string, link: LinkKind, frame: Buffer, family: Family = "cluster", frames = 1): void {
  const decoder = new FrameDecoder(link);
  let sink = 0;
  const onFrame = (f: Frame): void => {
    sink ^= f.op;
    const { value } = decodeOpPayload(family, f.op, f.payload);
    if (value === null) sink++;
  };
  measure(label, { frames, bytes: frame.length }, () => decoder.push(frame, onFrame));
  if (sink === -1) console.log(sink);
}

function section(title: string): void {
  console.log(`\n${title}`);
}

const started = performance.now();
console.log(`qkc-slave codec bench — node ${process.version}, median of ${RUNS} runs of ~${RUN_MS} ms after warm-up`);

// 1. The smallest frame of the protocol: the master's first PING (Appendix A.1).
section("PING frame, master link (A.1, 34 bytes)");
const ping = { id: new Uint8Array(0), full_shard_id_list: [] as number[], root_tip: null };
const pingFrame = encodeBench("encodeFrame(Ping)", "master", ClusterOp.PING, Ping, ping);
decodeBench("FrameDecoder.push + decodeOpPayload(Ping)", "master", pingFrame);

// 2. A full block: GET_MINOR_BLOCK_RESPONSE carrying 1000 signed transactions.
const block = blockWithTransactions(1000);
const rlpBytes = block.tx_list.reduce((sum, tx) => sum + tx.tx.serialized_tx.length, 0);
const blockResponse = { error_code: 0, minor_block: block, extra_info: null };
const blockFrameSize = encode(GetMinorBlockResponse, blockResponse).length + 25;
section(
  `MinorBlock frame, master link (GET_MINOR_BLOCK_RESPONSE, 1000 txs of ${(rlpBytes / 1000).toFixed(1)} ` +
    `RLP bytes on average, ${(blockFrameSize / 1024).toFixed(1)} KiB)`,
);
const blockFrame = encodeBench(
  "encodeFrame(GetMinorBlockResponse)",
  "master",
  ClusterOp.GET_MINOR_BLOCK_RESPONSE,
  GetMinorBlockResponse,
  blockResponse,
);
decodeBench("FrameDecoder.push + decodeOpPayload(GetMinorBlockResponse)", "master", blockFrame);

// 2b. What the load bench (bench/load.bench.ts) makes the daemon encode and decode.
{
  const network = configForShards(2, 1);
  const root = genesisRootBlock(network);
  const genesis = new NetworkGenesis(network).genesisBlock(0x00010001, root);
  const eco = {
    error_code: 0,
    eco_info_list: [1, 0x00010001].map((shard) => ({
      branch: { value: shard },
      height: 1n,
      coinbase_amount: 5n * 10n ** 18n,
      difficulty: 10_000n,
      unconfirmed_headers_coinbase_amount: 5n * 10n ** 18n,
    })),
  };
  section("Messages of the load bench");
  const ecoRequests = Buffer.concat(
    Array.from({ length: 64 }, (_, i) =>
      encodeFrame(
        "master",
        { branch: 0, clusterPeerId: 0n, op: ClusterOp.GET_ECO_INFO_LIST_REQUEST, rpcId: BigInt(i + 1) },
        GetEcoInfoListRequest,
        {},
      ),
    ),
  );
  decodeBench(
    "FrameDecoder.push + decode: 64 GET_ECO_INFO_LIST requests in one chunk",
    "master",
    ecoRequests,
    "cluster",
    64,
  );
  encodeBench(
    "encodeFrame(GetEcoInfoListResponse, 2 shards)",
    "master",
    ClusterOp.GET_ECO_INFO_LIST_RESPONSE,
    GetEcoInfoListResponse,
    eco,
  );
  {
    // The answers to one chunk of 64 requests: 64 buffers (one write each) or one batch (one write).
    const header = (i: number): FrameHeader => ({
      branch: 0,
      clusterPeerId: 0n,
      op: ClusterOp.GET_ECO_INFO_LIST_RESPONSE,
      rpcId: BigInt(i + 1),
    });
    let sink = 0;
    const bytes = 64 * encodeFrame("master", header(0), GetEcoInfoListResponse, eco).length;
    measure("64 x encodeFrame(GetEcoInfoListResponse): 64 buffers", { frames: 64, bytes }, () => {
      for (let i = 0; i < 64; i++) sink ^= encodeFrame("master", header(i), GetEcoInfoListResponse, eco).length;
    });
    const batch = new FrameBatch("master", (b) => (sink ^= b.length));
    measure("64 x FrameBatch.add(GetEcoInfoListResponse) + flush: one buffer", { frames: 64, bytes }, () => {
      for (let i = 0; i < 64; i++) batch.add(header(i), GetEcoInfoListResponse, eco);
      batch.flush();
    });
    if (sink === -1) console.log(sink);
  }
  encodeBench(
    "encodeFrame(GetMinorBlockResponse, genesis block)",
    "master",
    ClusterOp.GET_MINOR_BLOCK_RESPONSE,
    GetMinorBlockResponse,
    { error_code: 0, minor_block: genesis, extra_info: null },
  );
  encodeBench(
    "encodeFrame(GetMinorBlockListResponse, 100 genesis blocks)",
    "master",
    p2pOps.codes.GET_MINOR_BLOCK_LIST_RESPONSE,
    GetMinorBlockListResponse,
    { minor_block_list: Array(100).fill(genesis) },
  );
  const txList = encodeFrame(
    "master",
    { branch: 0x00010001, clusterPeerId: 7n, op: p2pOps.codes.NEW_TRANSACTION_LIST, rpcId: 0n },
    NewTransactionListCommand,
    { transaction_list: Array.from({ length: 100 }, (_, i) => realisticTransaction(i)) },
  );
  decodeBench(
    `FrameDecoder.push + decode: NEW_TRANSACTION_LIST, 100 txs (${txList.length} B)`,
    "master",
    txList,
    "p2p",
  );
  const xshard = encodeFrame(
    "slave",
    { branch: 0, clusterPeerId: 0n, op: ClusterOp.ADD_XSHARD_TX_LIST_REQUEST, rpcId: 1n },
    AddXshardTxListRequest,
    {
      branch: { value: 0x00010001 },
      minor_block_hash: rand.bytes(32),
      tx_list: { tx_list: Array.from({ length: 20 }, realisticDeposit), version: 1 },
    },
  );
  decodeBench(`FrameDecoder.push + decode: ADD_XSHARD_TX_LIST, 20 deposits (${xshard.length} B)`, "slave", xshard);
  encodeBench(
    "encodeFrame(AddXshardTxListResponse)",
    "slave",
    ClusterOp.ADD_XSHARD_TX_LIST_RESPONSE,
    AddXshardTxListResponse,
    { error_code: 0 },
  );
}

// 3. A long mixed stream, read the way a socket delivers it: 64 KiB chunks.
function mixedStream(targetBytes: number): { stream: Buffer; frames: number } {
  const header = (op: number, rpcId: bigint, peer = 0n): FrameHeader => ({
    branch: peer === 0n ? 0 : 0x00010001,
    clusterPeerId: peer,
    op,
    rpcId,
  });
  const xshard = encodeFrame("master", header(ClusterOp.ADD_XSHARD_TX_LIST_REQUEST, 1n), AddXshardTxListRequest, {
    branch: { value: 0x00010001 },
    minor_block_hash: rand.bytes(32),
    tx_list: { tx_list: [], version: 1 },
  });
  const headerResponse = encodeFrame(
    "master",
    header(ClusterOp.ADD_MINOR_BLOCK_HEADER_RESPONSE, 2n),
    AddMinorBlockHeaderResponse,
    { error_code: 0, artificial_tx_config: { target_root_block_time: 10, target_minor_block_time: 3 } },
  );
  // A recurring pattern: one block, then the chatter around it (pings, small RPCs, a forwarded P2P frame).
  const pattern: Buffer[] = [blockFrame];
  for (let i = 0; i < 40; i++) pattern.push(pingFrame, headerResponse, xshard);
  const forwarded = Buffer.from(blockFrame);
  forwarded.writeUInt32BE(0x00010001, 4); // same bytes, sent on behalf of cluster peer 7
  forwarded.writeBigUInt64BE(7n, 8);
  pattern.push(forwarded);
  const patternBytes = pattern.reduce((s, b) => s + b.length, 0);
  const repeats = Math.ceil(targetBytes / patternBytes);
  const parts: Buffer[] = [];
  for (let i = 0; i < repeats; i++) parts.push(...pattern);
  return { stream: Buffer.concat(parts), frames: repeats * pattern.length };
}

const { stream, frames: streamFrames } = mixedStream(100 * MiB);
const chunks: Buffer[] = [];
for (let at = 0; at < stream.length; at += 64 * 1024) chunks.push(stream.subarray(at, at + 64 * 1024));
section(
  `Streaming FrameDecoder, master link: ${(stream.length / MiB).toFixed(1)} MiB, ${streamFrames} mixed frames, ` +
    `${chunks.length} chunks of 64 KiB`,
);
{
  let seen = 0;
  const count = (): void => {
    seen++;
  };
  measure(
    "FrameDecoder.push over the whole stream (framing only)",
    { frames: streamFrames, bytes: stream.length },
    () => {
      const d = new FrameDecoder("master");
      for (const c of chunks) d.push(c, count);
      d.end();
    },
    { runMs: 1, runs: 5 },
  );
  if (seen % streamFrames !== 0) throw new Error(`decoder saw ${seen} frames, not a multiple of ${streamFrames}`);
}

// 4. Decoding the 25-byte master-link header: buffer-layout against plain Buffer reads.
section("Master-link frame header (25 bytes): buffer-layout vs plain Buffer reads");
interface LayoutHeader {
  size: number;
  branch: number;
  peerHi: number;
  peerLo: number;
  op: number;
  rpcHi: number;
  rpcLo: number;
}
// buffer-layout has no lossless u64 (nu64be rounds above 2^53), so each u64 is two u32 halves.
const headerLayout = BufferLayout.struct<LayoutHeader>([
  BufferLayout.u32be("size"),
  BufferLayout.u32be("branch"),
  BufferLayout.u32be("peerHi"),
  BufferLayout.u32be("peerLo"),
  BufferLayout.u8("op"),
  BufferLayout.u32be("rpcHi"),
  BufferLayout.u32be("rpcLo"),
]);
interface Header {
  size: number;
  branch: number;
  clusterPeerId: bigint;
  op: number;
  rpcId: bigint;
}
const viaLayout = (b: Buffer, at: number): Header => {
  const h = headerLayout.decode(b, at);
  return {
    size: h.size,
    branch: h.branch,
    clusterPeerId: (BigInt(h.peerHi) << 32n) | BigInt(h.peerLo),
    op: h.op,
    rpcId: (BigInt(h.rpcHi) << 32n) | BigInt(h.rpcLo),
  };
};
const viaBuffer = (b: Buffer, at: number): Header => ({
  size: b.readUInt32BE(at),
  branch: b.readUInt32BE(at + 4),
  clusterPeerId: b.readBigUInt64BE(at + 8),
  op: b[at + 16]!,
  rpcId: b.readBigUInt64BE(at + 17),
});
const HEADERS = 4096; // distinct headers, so neither side decodes the same bytes over and over
const headers = Buffer.alloc(HEADERS * 25);
for (let i = 0; i < HEADERS; i++) {
  const at = i * 25;
  headers.writeUInt32BE(rand.u32(), at);
  headers.writeUInt32BE(rand.u32(), at + 4);
  headers.writeBigUInt64BE(u64(), at + 8);
  headers[at + 16] = rand.int(256);
  headers.writeBigUInt64BE(u64(), at + 17);
}
for (let i = 0; i < HEADERS; i++) {
  const a = viaLayout(headers, i * 25);
  const b = viaBuffer(headers, i * 25);
  if (
    JSON.stringify(a, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) !==
    JSON.stringify(b, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))
  ) {
    throw new Error(`header ${i}: buffer-layout and Buffer reads disagree`);
  }
}
let headerSink = 0n;
const layoutSeconds = measure(
  `buffer-layout struct (span ${headerLayout.span}) + 2 BigInt joins`,
  { frames: HEADERS, bytes: HEADERS * 25 },
  () => {
    for (let i = 0; i < HEADERS; i++) headerSink ^= viaLayout(headers, i * 25).rpcId;
  },
);
const bufferSeconds = measure("Buffer.readUInt32BE / readBigUInt64BE", { frames: HEADERS, bytes: HEADERS * 25 }, () => {
  for (let i = 0; i < HEADERS; i++) headerSink ^= viaBuffer(headers, i * 25).rpcId;
});
if (headerSink === -1n) console.log(headerSink);
console.log(
  `  plain Buffer reads are ${(layoutSeconds / bufferSeconds).toFixed(1)}× as fast as buffer-layout (frames/s = headers/s)`,
);

console.log(`\ntotal bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
