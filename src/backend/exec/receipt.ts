import { rlpInt, rlpPrefixSize, rlpStringSize as stringSize, writeRlpPrefix, writeRlpString } from "../../tx/rlp.ts";
import type { Log } from "../../evm/effects.ts";
import { type Bloom, bloomInsertAddress, bloomInsertWord, emptyBloom, writeTopic } from "./bloom.ts";

/** messages.py:Receipt, the value stored under rlp(i) in a block's receipt trie. */
export interface Receipt {
  readonly success: boolean;
  /** Cumulative: the state's gas_used after this transaction or deposit (cross-shard gas included). */
  readonly gasUsed: bigint;
  /** A view into `encoded` (never write into it). */
  readonly bloom: Bloom;
  readonly logs: readonly Log[];
  /** 20 bytes for a successful create, else empty. */
  readonly contractAddress: Uint8Array;
  /** state.full_shard_key when the receipt is made: the tx's to_full_shard_key, even for non-creates. */
  readonly contractFullShardKey: number;
  /** rlp(Receipt), written when the receipt is made (a view into a shared buffer: never write into it). */
  readonly encoded: Uint8Array;
}

/** Log.bloomables: the address, then each topic as a 32-byte word. */
export function logsBloom(logs: readonly Log[]): Bloom {
  const bloom = emptyBloom();
  for (const log of logs) {
    bloomInsertAddress(bloom, log.address);
    for (const topic of log.topics) bloomInsertWord(bloom, topic);
  }
  return bloom;
}

/*
 * Receipts are encoded as they are made, into chunks of a shared buffer: the bloom is filled in
 * place inside the encoding, and each topic's 32 bytes are written once, for the encoding and for
 * the bloom's hash. A fresh array per receipt (over V8's 64-byte on-heap limit) would be a malloc and
 * a memset each. A chunk lives as long as any receipt cut from it; a block's receipts are copied into
 * the block's record (encodeReceiptList) and die young.
 */
const CHUNK = 64 * 1024;
let chunk = new Uint8Array(0);
let chunkView = new DataView(chunk.buffer);
let chunkAt = 0;

/** Make room for `size` bytes: `chunk` then holds them from the returned offset on (zeros). */
function room(size: number): number {
  if (chunkAt + size > chunk.length) {
    chunk = new Uint8Array(Math.max(CHUNK, size));
    chunkView = new DataView(chunk.buffer);
    chunkAt = 0;
  }
  chunkAt += size;
  return chunkAt - size;
}

const EMPTY_LIST = 0xc0;
/** The bloom is a 256-byte string: 0xb9 0x01 0x00 and the bytes. */
const BLOOM_SIZE = 259;
/** A topic is BigEndianInt(32): always 32 bytes, 0xa0 and the word. */
const TOPIC_SIZE = 33;

/** The payload of rlp(Log): [address, [topic, ...], data]. */
function logPayload(l: Log): number {
  const topics = l.topics.length * TOPIC_SIZE;
  return stringSize(l.address) + rlpPrefixSize(topics) + topics + stringSize(l.data);
}

/** writeRlpString, short strings (an address, a word of data) copied byte by byte: no native call. */
function writeString(out: Uint8Array, pos: number, b: Uint8Array): number {
  const n = b.length;
  if (n > 48) return writeRlpString(out, pos, b);
  if (n === 1 && b[0]! < 0x80) {
    out[pos] = b[0]!;
    return pos + 1;
  }
  out[pos++] = 0x80 + n;
  for (let i = 0; i < n; i++) out[pos + i] = b[i]!;
  return pos + n;
}

/** Bytes of a non-negative integer below 2^53 in big-endian form (0 for 0). */
function intBytes(n: number): number {
  let k = 0;
  for (; n > 0; n = Math.floor(n / 256)) k++;
  return k;
}

/**
 * messages.py:mk_receipt, and rlp(Receipt) of it: [state_root b"\x01"|b"", gas_used, bloom (256 bytes),
 * logs, contract_address, fsk (4 bytes)].
 */
export function makeReceipt(
  success: boolean,
  cumulativeGasUsed: bigint,
  logs: readonly Log[],
  contractAddress: Uint8Array,
  contractFullShardKey: number,
): Receipt {
  // Gas as a double when it fits (it always does on a chain: a block's gas limit is far below 2^53).
  const small = cumulativeGasUsed <= 9007199254740991n;
  const gasNumber = small ? Number(cumulativeGasUsed) : 0;
  const gasBig = small ? undefined : rlpInt(cumulativeGasUsed);
  const gasLength = gasBig === undefined ? intBytes(gasNumber) : gasBig.length;
  const gasSize = gasNumber !== 0 && gasNumber < 0x80 ? 1 : 1 + gasLength;
  let logsPayload = 0;
  for (const l of logs) {
    const p = logPayload(l);
    logsPayload += rlpPrefixSize(p) + p;
  }
  const payload =
    1 + // b"\x01" is itself, b"" is 0x80
    gasSize +
    BLOOM_SIZE +
    rlpPrefixSize(logsPayload) +
    logsPayload +
    stringSize(contractAddress) +
    5; // 4 bytes: 0x84
  const size = rlpPrefixSize(payload) + payload;
  const start = room(size);
  const out = chunk;
  let pos = writeRlpPrefix(out, start, payload, 0xc0);
  out[pos++] = success ? 0x01 : 0x80;
  if (gasBig !== undefined) pos = writeString(out, pos, gasBig);
  else if (gasSize === 1) out[pos++] = gasNumber === 0 ? 0x80 : gasNumber;
  else {
    out[pos] = 0x80 + gasLength;
    for (let i = gasLength, n = gasNumber; i > 0; i--, n = Math.floor(n / 256)) out[pos + i] = n % 256;
    pos += 1 + gasLength;
  }
  out[pos] = 0xb9;
  out[pos + 1] = 0x01;
  out[pos + 2] = 0x00;
  const bloom = out.subarray(pos + 3, pos + BLOOM_SIZE);
  pos += BLOOM_SIZE;
  if (logs.length === 0) out[pos++] = EMPTY_LIST;
  else pos = writeLogs(out, chunkView, pos, logs, logsPayload, bloom);
  pos = writeString(out, pos, contractAddress);
  const k = contractFullShardKey;
  out[pos] = 0x84;
  out[pos + 1] = k >>> 24;
  out[pos + 2] = (k >>> 16) & 255;
  out[pos + 3] = (k >>> 8) & 255;
  out[pos + 4] = k & 255;
  return {
    success,
    gasUsed: cumulativeGasUsed,
    bloom,
    logs,
    contractAddress,
    contractFullShardKey,
    encoded: out.subarray(start, pos + 5),
  };
}

/** rlp(logs) at `pos`, each topic written once from its word and hashed from there into the bloom. */
function writeLogs(
  out: Uint8Array,
  view: DataView,
  pos: number,
  logs: readonly Log[],
  payload: number,
  bloom: Bloom,
): number {
  pos = writeRlpPrefix(out, pos, payload, 0xc0);
  for (const l of logs) {
    pos = writeRlpPrefix(out, pos, logPayload(l), 0xc0);
    pos = writeString(out, pos, l.address);
    bloomInsertAddress(bloom, l.address);
    pos = writeRlpPrefix(out, pos, l.topics.length * TOPIC_SIZE, 0xc0);
    for (const topic of l.topics) {
      out[pos] = 0xa0;
      writeTopic(bloom, topic, out, view, pos + 1);
      pos += TOPIC_SIZE;
    }
    pos = writeString(out, pos, l.data);
  }
  return pos;
}

/** rlp(Receipt). */
export function encodeReceipt(r: Receipt): Uint8Array {
  return r.encoded;
}

/** A block's receipts encoded once: the store's record and each receipt's rlp within it. */
export interface EncodedReceipts {
  /** rlp([rlp(receipt) as a string, ...]): the "rc" record, what pyquarkchain stores. */
  readonly record: Uint8Array;
  /** rlp(receipt) of each, in order: views into `record` (the receipt trie's values). */
  readonly each: readonly Uint8Array[];
}

/** rlpEncode([...receipts.map(encodeReceipt)]) in one buffer, and each encoding as a view into it. */
export function encodeReceiptList(receipts: readonly Receipt[]): EncodedReceipts {
  let payload = 0;
  for (const r of receipts) {
    const size = r.encoded.length;
    payload += rlpPrefixSize(size) + size;
  }
  const record = new Uint8Array(rlpPrefixSize(payload) + payload);
  let pos = writeRlpPrefix(record, 0, payload, 0xc0);
  const each: Uint8Array[] = new Array(receipts.length);
  for (let i = 0; i < receipts.length; i++) {
    const e = receipts[i]!.encoded;
    pos = writeRlpPrefix(record, pos, e.length, 0x80);
    record.set(e, pos);
    each[i] = record.subarray(pos, pos + e.length);
    pos += e.length;
  }
  return { record, each };
}
