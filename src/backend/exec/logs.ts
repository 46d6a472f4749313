import { keccak256 } from "../../crypto/keccak.ts";
import { sameBytes } from "../../codec/bytes.ts";
import { type QuarkChainConfig, fullShardIdByFullShardKey } from "../../config/cluster-config.ts";
import type { Address, Log, MinorBlock } from "../../messages/core.ts";
import type { ChainStore } from "../chain/chain-store.ts";
import { storedReceipts } from "./receipt-lookup.ts";

/** pyquarkchain's LogFilter.TIMEOUT: a filter still running after this fails (checked every 100 blocks). */
export const LOG_FILTER_TIMEOUT_MS = 10_000;

/** Why a GET_LOG fails (error_code 1, no logs). */
export type LogsRefusal =
  | "addresses of several shards, or of another shard"
  | "no canonical block at the end height"
  | "a block's receipts are not stored"
  | "filter timeout";

export interface LogQuery {
  addresses: readonly Address[];
  /** Per position an OR of topics (empty: any), the positions ANDed. */
  topics: readonly (readonly Uint8Array[])[];
  startBlock: bigint;
  endBlock: bigint;
}

/**
 * ShardState.get_logs with LogFilter.create_from_end_block_header (quarkchain/cluster/
 * log_filter.py): the blocks from the canonical block at `endBlock` back `endBlock - startBlock
 * + 1` blocks whose header bloom may hold the addresses and topics, then every receipt of those
 * (transactions', then deposits'), oldest block first, keeping the logs that match. A start above
 * the end gives no logs. `missing` is told once when the walk passes the first block (the
 * genesis block's parent), which pyquarkchain logs at every remaining step.
 */
export function getLogs(
  config: QuarkChainConfig,
  fullShardId: number,
  store: ChainStore,
  q: LogQuery,
  now: () => number = Date.now,
  missing?: (height: bigint) => void,
): Log[] | LogsRefusal {
  if (q.addresses.length > 0) {
    const keys = new Set(q.addresses.map((a) => a.full_shard_key));
    if (keys.size !== 1 || shardOf(config, q.addresses[0]!.full_shard_key) !== fullShardId)
      return "addresses of several shards, or of another shard";
  }
  const recipients = q.addresses.map((a) => a.recipient);
  // Innermost a value's three bloom bits, then an OR of those, then an AND of the ORs.
  const bloomBits: bigint[][] = recipients.map((r) => [bloomOf(r)]);
  for (const list of q.topics) if (list.length > 0) bloomBits.push(list.map(bloomOf));

  let hash = store.canonicalHash(q.endBlock);
  if (hash === undefined) return "no canonical block at the end height";
  const started = now();
  const candidates: Array<{ block: MinorBlock; hash: Uint8Array }> = [];
  for (let i = 0n, size = q.endBlock - q.startBlock + 1n; i < size; i++) {
    const block = store.minorBlock(hash);
    if (!block) {
      // The hash stays the same: every remaining step finds nothing either.
      missing?.(q.endBlock - i);
      break;
    }
    const bloom = block.header.bloom;
    if (bloomBits.every((ors) => ors.some((bits) => (bloom & bits) === bits))) candidates.push({ block, hash });
    hash = block.header.hash_prev_minor_block;
  }
  candidates.reverse();

  const logs: Log[] = [];
  for (let b = 0; b < candidates.length; b++) {
    const { block, hash } = candidates[b]!;
    const count = block.tx_list.length + (store.depositHashes(hash)?.length ?? 0);
    // A genesis block has no receipts stored, and needs none.
    const receipts = count > 0 ? storedReceipts(store, block) : [];
    // A deposit run without a receipt (before ENABLE_EVM_TIMESTAMP): get_receipt raises on it.
    if (!receipts || receipts.length < count) return "a block's receipts are not stored";
    for (let i = 0; i < count; i++) {
      for (const log of receipts[i]!.logs) {
        // no addresses: any address
        if (recipients.length > 0 && !recipients.some((r) => sameBytes(r, log.recipient))) continue;
        if (topicsMatch(q.topics, log.topics)) logs.push(log);
      }
    }
    if ((b + 1) % 100 === 0 && now() - started > LOG_FILTER_TIMEOUT_MS) return "filter timeout";
  }
  return logs;
}

/** _log_topics_match: position by position, as far as both go (zip), an empty criterion matching anything. */
function topicsMatch(criteria: readonly (readonly Uint8Array[])[], topics: readonly Uint8Array[]): boolean {
  for (let i = 0; i < criteria.length && i < topics.length; i++) {
    const ors = criteria[i]!;
    if (ors.length > 0 && !ors.some((c) => sameBytes(c, topics[i]!))) return false;
  }
  return true;
}

/** bloom.py:bloom(value) as the header's integer bloom. */
function bloomOf(value: Uint8Array): bigint {
  const h = keccak256(value);
  let bits = 0n;
  for (let i = 0; i < 6; i += 2) bits |= 1n << BigInt(((h[i]! << 8) | h[i + 1]!) & 2047);
  return bits;
}

/** A full_shard_key of a chain the network lacks makes pyquarkchain raise; it is no shard here. */
function shardOf(config: QuarkChainConfig, fullShardKey: number): number | undefined {
  try {
    return fullShardIdByFullShardKey(config, fullShardKey);
  } catch {
    return undefined;
  }
}
