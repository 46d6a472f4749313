import {
  rlpInt,
  rlpPrefixSize,
  type RlpItem,
  rlpStringSize as stringSize,
  writeRlpPrefix,
  writeRlpString as writeString,
} from "../../tx/rlp.ts";
import type { Log } from "../../evm/effects.ts";
import { writeWord } from "../../evm/words.ts";
import { type Bloom, bloomInsertAddress, bloomInsertWord, emptyBloom, slabBloom } from "./bloom.ts";

/** messages.py:Receipt, the value stored under rlp(i) in a block's receipt trie. */
export interface Receipt {
  readonly success: boolean;
  /** Cumulative: the state's gas_used after this transaction or deposit (cross-shard gas included). */
  readonly gasUsed: bigint;
  readonly bloom: Bloom;
  readonly logs: readonly Log[];
  /** 20 bytes for a successful create, else empty. */
  readonly contractAddress: Uint8Array;
  /** state.full_shard_key when the receipt is made: the tx's to_full_shard_key, even for non-creates. */
  readonly contractFullShardKey: number;
}

/** The bloom of a receipt without logs, shared by all of them: nothing writes into a receipt's bloom. */
const NO_LOGS_BLOOM: Bloom = emptyBloom();

/** Log.bloomables: the address, then each topic as a 32-byte word. */
export function logsBloom(logs: readonly Log[]): Bloom {
  if (logs.length === 0) return NO_LOGS_BLOOM;
  const bloom = slabBloom();
  for (const log of logs) {
    bloomInsertAddress(bloom, log.address);
    for (const topic of log.topics) bloomInsertWord(bloom, topic);
  }
  return bloom;
}

/** messages.py:mk_receipt. */
export function makeReceipt(
  success: boolean,
  cumulativeGasUsed: bigint,
  logs: readonly Log[],
  contractAddress: Uint8Array,
  contractFullShardKey: number,
): Receipt {
  return {
    success,
    gasUsed: cumulativeGasUsed,
    bloom: logsBloom(logs),
    logs,
    contractAddress,
    contractFullShardKey,
  };
}

/** rlp(Receipt): [state_root b"\x01"|b"", gas_used, bloom (256 bytes), logs, contract_address, fsk (4 bytes)]. */
export function encodeReceipt(r: Receipt): Uint8Array {
  const p = partsOf(r);
  const out = new Uint8Array(rlpPrefixSize(p.payload) + p.payload);
  writeReceipt(out, 0, r, p);
  return out;
}

/** A receipt's fields as they are written: the sizes of its logs list's payload and of its own. */
interface ReceiptParts {
  readonly gas: Uint8Array;
  readonly logsPayload: number;
  readonly payload: number;
}

const EMPTY_LIST = 0xc0;

/** A topic is BigEndianInt(32): always 32 bytes, 0xa0 and the word. */
const TOPIC_SIZE = 33;

/** The payload of rlp(Log): [address, [topic, ...], data]. */
function logPayload(l: Log): number {
  const topics = l.topics.length * TOPIC_SIZE;
  return stringSize(l.address) + rlpPrefixSize(topics) + topics + stringSize(l.data);
}

function partsOf(r: Receipt): ReceiptParts {
  const gas = rlpInt(r.gasUsed);
  let logsPayload = 0;
  for (const l of r.logs) {
    const p = logPayload(l);
    logsPayload += rlpPrefixSize(p) + p;
  }
  const payload =
    1 + // b"\x01" is itself, b"" is 0x80
    stringSize(gas) +
    stringSize(r.bloom) +
    rlpPrefixSize(logsPayload) +
    logsPayload +
    stringSize(r.contractAddress) +
    5; // 4 bytes: 0x84
  return { gas, logsPayload, payload };
}

/** rlp(logs) at `pos`, each topic written straight from its word. */
function writeLogs(out: Uint8Array, pos: number, logs: readonly Log[], payload: number): number {
  pos = writeRlpPrefix(out, pos, payload, 0xc0);
  for (const l of logs) {
    pos = writeRlpPrefix(out, pos, logPayload(l), 0xc0);
    pos = writeString(out, pos, l.address);
    pos = writeRlpPrefix(out, pos, l.topics.length * TOPIC_SIZE, 0xc0);
    for (const topic of l.topics) {
      out[pos] = 0xa0;
      writeWord(out, pos + 1, topic);
      pos += TOPIC_SIZE;
    }
    pos = writeString(out, pos, l.data);
  }
  return pos;
}

function writeReceipt(out: Uint8Array, pos: number, r: Receipt, p: ReceiptParts): number {
  pos = writeRlpPrefix(out, pos, p.payload, 0xc0);
  out[pos++] = r.success ? 0x01 : 0x80;
  pos = writeString(out, pos, p.gas);
  pos = writeString(out, pos, r.bloom);
  if (r.logs.length === 0) out[pos++] = EMPTY_LIST;
  else pos = writeLogs(out, pos, r.logs, p.logsPayload);
  pos = writeString(out, pos, r.contractAddress);
  const k = r.contractFullShardKey;
  out[pos] = 0x84;
  out[pos + 1] = k >>> 24;
  out[pos + 2] = (k >>> 16) & 255;
  out[pos + 3] = (k >>> 8) & 255;
  out[pos + 4] = k & 255;
  return pos + 5;
}

/** A block's receipts encoded once: the store's record and each receipt's rlp within it. */
export interface EncodedReceipts {
  /** rlp([rlp(receipt) as a string, ...]): the "rc" record, what pyquarkchain stores. */
  readonly record: Uint8Array;
  /** rlp(receipt) of each, in order: views into `record` (the receipt trie's values). */
  readonly each: readonly Uint8Array[];
}

/**
 * rlpEncode([...receipts.map(encodeReceipt)]) and the encodeReceipt of each, written into one
 * buffer (no array of RLP items per receipt, no second copy for the list).
 */
export function encodeReceiptList(receipts: readonly Receipt[]): EncodedReceipts {
  const parts = receipts.map(partsOf);
  let payload = 0;
  for (const p of parts) {
    const size = rlpPrefixSize(p.payload) + p.payload;
    payload += rlpPrefixSize(size) + size;
  }
  const record = new Uint8Array(rlpPrefixSize(payload) + payload);
  let pos = writeRlpPrefix(record, 0, payload, 0xc0);
  const each: Uint8Array[] = new Array(receipts.length);
  for (let i = 0; i < receipts.length; i++) {
    const p = parts[i]!;
    const size = rlpPrefixSize(p.payload) + p.payload;
    pos = writeRlpPrefix(record, pos, size, 0x80);
    const end = writeReceipt(record, pos, receipts[i]!, p);
    each[i] = record.subarray(pos, end);
    pos = end;
  }
  return { record, each };
}
