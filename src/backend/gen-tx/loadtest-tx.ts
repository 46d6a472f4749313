import {
  type LoadtestAccount,
  type QuarkChainConfig,
  chainIdOf,
  fullShardIdByFullShardKey,
} from "../../config/cluster-config.ts";
import { TransactionType, type TypedTransaction } from "../../messages/core.ts";
import { signEvmTransaction } from "../../tx/sign.ts";
import { type EvmTransaction, encodeEvmTransaction } from "../../tx/transaction.ts";
import type { ShardTxRules } from "../exec/validate-shard-tx.ts";

/** Random choices, as tx_generator.py draws them (Math.random by default; tests pass their own). */
export interface Draw {
  /** A uniform integer in [lo, hi] (random.randint). */
  int(lo: number, hi: number): number;
}
export const mathRandom: Draw = { int: (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1)) };

/** What TransactionGenerator.create_transaction reads besides the account and its nonce. */
export interface LoadtestShard {
  config: QuarkChainConfig;
  fullShardId: number;
  accounts: readonly LoadtestAccount[];
  /**
   * Where a cross-shard transaction may go so that this shard's pool and blocks take it: the other
   * shards of this chain that are initialized at the root tip and neighbours (xshardTargets).
   */
  xshardTargets: readonly number[];
}

/**
 * The shards a generated cross-shard transaction goes to. pyquarkchain draws from every other
 * shard of the network (`get_full_shard_ids() - [self.full_shard_id]`, a list minus a list, which
 * raises: its generator never makes one); ours stay in this chain, where __validate_tx admits them:
 * initialized before the root tip (ShardState's get_initialized_full_shard_ids_before_root_height)
 * and neighbours (_is_neighbor).
 */
export function xshardTargets(config: QuarkChainConfig, fullShardId: number, rules: ShardTxRules): number[] {
  return [...config.shards.keys()].filter(
    (id) =>
      id !== fullShardId && chainIdOf(id) === chainIdOf(fullShardId) && rules.isInitialized(id) && rules.isNeighbor(id),
  );
}

/**
 * TransactionGenerator.create_transaction (cluster/tx_generator.py): a transfer from `account`
 * at `nonce` shaped by the request's sample transaction, signed with the account's key (version
 * 0, the config's NETWORK_ID). Null when the sample names a from_full_shard_key of another shard.
 * The sample's `to` (or, when empty, a random loadtest account in this shard), its gas price,
 * start gas, data and tokens; its value when it carries data, else a random 1..100 finney. A
 * cross-shard one (`crossShard`) goes to a random shard of xshardTargets; with none, it stays in
 * this shard.
 */
export function createLoadtestTransaction(
  shard: LoadtestShard,
  account: LoadtestAccount,
  nonce: bigint,
  crossShard: boolean,
  sample: EvmTransaction,
  draw: Draw = mathRandom,
): TypedTransaction | null {
  const { config, fullShardId } = shard;
  // FIXME in pyquarkchain too: a sample from_full_shard_key of 0 reads as "not given".
  if (sample.from_full_shard_key && shardOf(config, sample.from_full_shard_key) !== fullShardId) return null;
  const fromFullShardKey = sample.from_full_shard_key || fullShardId;
  let recipient: Uint8Array;
  let toFullShardKey: number;
  if (sample.to.length === 0) {
    recipient = shard.accounts[draw.int(0, shard.accounts.length - 1)]!.address.recipient;
    toFullShardKey = fullShardId;
  } else {
    recipient = sample.to;
    toFullShardKey = fromFullShardKey;
  }
  if (crossShard && shard.xshardTargets.length > 0) {
    toFullShardKey = shard.xshardTargets[draw.int(0, shard.xshardTargets.length - 1)]!;
  }
  const value = sample.data.length === 0 ? BigInt(draw.int(1, 100)) * 10n ** 15n : sample.value;
  const tx = signEvmTransaction(
    {
      nonce,
      gasprice: sample.gasprice,
      startgas: sample.startgas,
      to: recipient,
      value,
      data: sample.data,
      network_id: BigInt(config.NETWORK_ID),
      from_full_shard_key: fromFullShardKey,
      to_full_shard_key: toFullShardKey,
      gas_token_id: sample.gas_token_id,
      transfer_token_id: sample.transfer_token_id,
      version: 0n,
      v: 0n,
      r: 0n,
      s: 0n,
    },
    account.key,
  );
  return { tx: { type: TransactionType.SERIALIZED_EVM, serialized_tx: encodeEvmTransaction(tx) } };
}

function shardOf(config: QuarkChainConfig, fullShardKey: number): number | undefined {
  try {
    return fullShardIdByFullShardKey(config, fullShardKey);
  } catch {
    return undefined; // a chain the network lacks: get_full_shard_id_by_full_shard_key raises, not this shard
  }
}

/**
 * Whether the i-th transaction (0-based) of a run is cross-shard so that exactly the asked share
 * is, spread evenly: pyquarkchain draws each (`random.randint(1, 100) <= x_shard_percent`), which
 * gives that share on average only.
 */
export function isCrossShardAt(i: number, xShardPercent: number): boolean {
  const p = Math.min(Math.max(xShardPercent, 0), 100);
  return Math.floor(((i + 1) * p) / 100) > Math.floor((i * p) / 100);
}
