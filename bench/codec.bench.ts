/**
 * Codec and framing throughput. Prints figures only; nothing here is a pass/fail check
 * (timings depend on the machine). Run with `npm run bench`; it takes well under a minute.
 *
 * Every figure is the median of several timed runs after a warm-up run, so the JIT has
 * settled and one GC pause does not decide the result. MB means 10^6 bytes.
 */
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { type Codec, encode } from "../src/codec/index.ts";
import { type Frame, FrameDecoder, type FrameHeader, type LinkKind, encodeFrame } from "../src/cluster/frame.ts";
import { encodeEvmTransaction } from "../src/evm/transaction.ts";
import {
  AddMinorBlockHeaderResponse,
  AddXshardTxListRequest,
  ClusterOp,
  GetMinorBlockResponse,
  Ping,
} from "../src/messages/cluster.ts";
import { MinorBlock, MinorBlockHeader, MinorBlockMeta, type TypedTransaction } from "../src/messages/core.ts";
import { decodeOpPayload } from "../src/messages/registry.ts";
import { makeRandom } from "../test/helpers/random.ts";

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

const RUN_MS = 250;
const RUNS = 7;
const MiB = 1024 * 1024;
const rand = makeRandom("bench");

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
    `  ${label.padEnd(60)} ${fmt(framesPerSec).padStart(10)} frames/s ${mbPerSec.toFixed(1).padStart(9)} MB/s`,
  );
  return median;
}

function fmt(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(1);
}

const u64 = (): bigint => (BigInt(rand.u32()) << 32n) | BigInt(rand.u32());
const bigOf = (bytes: number): bigint => BigInt("0x" + Buffer.from(rand.bytes(bytes)).toString("hex"));

/** A signed QKC transfer as a wallet would send it: about 130 bytes of RLP. */
function realisticTransaction(nonce: number): TypedTransaction {
  const rlp = encodeEvmTransaction({
    nonce: BigInt(nonce),
    gasprice: 1_000_000_000n * BigInt(1 + rand.int(50)),
    startgas: rand.int(4) === 0 ? 60_000n : 21_000n,
    to: rand.bytes(20),
    value: bigOf(8),
    data: rand.bytes(rand.int(4) === 0 ? 4 + rand.int(12) : 0),
    network_id: 1n,
    from_full_shard_key: 0x00010001,
    to_full_shard_key: 0x00010001,
    gas_token_id: 0x8bb0n, // QKC
    transfer_token_id: 0x8bb0n,
    version: 0n,
    v: BigInt(27 + rand.int(2)),
    r: bigOf(32),
    s: bigOf(32),
  });
  return { tx: { type: 0, serialized_tx: rlp } };
}

function blockWithTransactions(count: number): MinorBlock {
  const header: MinorBlockHeader = {
    ...MinorBlockHeader.zero(),
    branch: { value: 0x00010001 },
    height: 1_234_567n,
    coinbase_address: { recipient: rand.bytes(20), full_shard_key: 0x00010001 },
    coinbase_amount_map: { balance_map: [[0x8bb0n, 3n * 10n ** 18n]] },
    hash_prev_minor_block: rand.bytes(32),
    hash_prev_root_block: rand.bytes(32),
    evm_gas_limit: 12_000_000n,
    hash_meta: rand.bytes(32),
    create_time: 1_700_000_000n,
    difficulty: 1_000_000_000_000n,
    nonce: u64(),
    bloom: bigOf(256),
    extra_data: Buffer.from("qkc-slave bench", "ascii"),
    mixhash: rand.bytes(32),
  };
  const meta: MinorBlockMeta = {
    ...MinorBlockMeta.zero(),
    hash_merkle_root: rand.bytes(32),
    hash_evm_state_root: rand.bytes(32),
    hash_evm_receipt_root: rand.bytes(32),
    evm_gas_used: 21_000n * BigInt(count),
    evm_xshard_gas_limit: 6_000_000n,
  };
  const tx_list = Array.from({ length: count }, (_, i) => realisticTransaction(i));
  return { header, meta, tx_list, tracking_data: new Uint8Array(0) };
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

/** Splits one frame off a buffer and parses its payload with the cluster op map, per call. */
function decodeBench(label: string, link: LinkKind, frame: Buffer): void {
  const decoder = new FrameDecoder(link);
  let sink = 0;
  const onFrame = (f: Frame): void => {
    sink ^= f.op;
    const { value } = decodeOpPayload("cluster", f.op, f.payload);
    if (value === null) sink++;
  };
  measure(label, { frames: 1, bytes: frame.length }, () => decoder.push(frame, onFrame));
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
section("Master-link frame header (25 bytes): buffer-layout vs plain Buffer reads (frame.ts)");
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
