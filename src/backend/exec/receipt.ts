import { rlpEncode, rlpInt, type RlpItem } from "../../tx/rlp.ts";
import type { Log } from "../../evm/effects.ts";
import { type Bloom, bloomInsert, emptyBloom } from "./bloom.ts";

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
  const bloom = emptyBloom();
  for (const log of logs) {
    bloomInsert(bloom, log.address);
    for (const topic of log.topics) bloomInsert(bloom, topicBytes(topic));
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

/** big_endian_int: minimal bytes, 0 is empty. */
function fixedBytes(v: bigint, size: number): Uint8Array {
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(size * 2, "0"), "hex"));
}

/** A topic is BigEndianInt(32): always 32 bytes. */
const topicBytes = (topic: bigint): Uint8Array => fixedBytes(topic, 32);

const shardKeyBytes = (k: number): Uint8Array => Uint8Array.of(k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255);

const SUCCESS = Uint8Array.of(1);
const FAILURE = new Uint8Array(0);

/** rlp(Receipt): [state_root b"\x01"|b"", gas_used, bloom (256 bytes), logs, contract_address, fsk (4 bytes)]. */
export function encodeReceipt(r: Receipt): Uint8Array {
  const logs: RlpItem[] = r.logs.map((l) => [l.address, l.topics.map(topicBytes), l.data]);
  return rlpEncode([
    r.success ? SUCCESS : FAILURE,
    rlpInt(r.gasUsed),
    r.bloom,
    logs,
    r.contractAddress,
    shardKeyBytes(r.contractFullShardKey),
  ]);
}
