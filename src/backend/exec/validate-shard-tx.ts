import type { World } from "../../evm/world.ts";
import type { EvmTransaction } from "../../tx/transaction.ts";
import { reject, type TxRejection } from "./tx-rejection.ts";
import { type TxValidationEnv, validateTransaction } from "./validate-tx.ts";

/** shard_state.py: MAX_FUTURE_TX_NONCE. */
export const MAX_FUTURE_TX_NONCE = 64n;

/** What ShardState.__validate_tx knows about this shard, its chain and the cluster. */
export interface ShardTxRules {
  /** QuarkChainConfig.NETWORK_ID (versions 0 and 1). */
  readonly networkId: bigint;
  /** This shard's ETH_CHAIN_ID (version 2). */
  readonly ethChainId: bigint;
  /** Branch.is_in_branch for this shard. */
  isInBranch(fullShardKey: number): boolean;
  /** Transaction.to_full_shard_id (chain << 16 | shard size | shard id), undefined for a chain that does not exist. */
  fullShardIdOf(fullShardKey: number): number | undefined;
  /** Initialized before the root tip's height (get_initialized_full_shard_ids_before_root_height). */
  isInitialized(fullShardId: number): boolean;
  /** ShardState._is_neighbor. */
  isNeighbor(fullShardId: number): boolean;
  /** get_xshard_gas_limit: the block's cross-shard gas limit. */
  readonly xshardGasLimit: bigint;
  /** ENABLE_TX_TIMESTAMP (null: on) and the senders allowed before it (lowercase hex, no 0x). */
  readonly enableTxTimestamp: bigint | null;
  readonly txWhitelistSenders: ReadonlySet<string>;
  /** ENABLE_EVM_TIMESTAMP (null: on). */
  readonly enableEvmTimestamp: bigint | null;
}

/** The transaction may enter the pool, not the block yet: its nonce is ahead, within MAX_FUTURE_TX_NONCE. */
export interface FutureNonce {
  readonly futureNonce: true;
}

/**
 * ShardState.__validate_tx: the network id, the branch, the target shard (known, initialized, a
 * neighbour, within the cross-shard gas limit), the TX and EVM switches; a nonce ahead of the
 * account's by at most 64 passes as is (the pool keeps it), anything else goes through
 * validate_transaction. Undefined when the transaction is valid now. `senderOf` may be a function: the
 * sender is then recovered only once the cheap checks pass, as evm_tx.sender is (the pool's refusals of
 * forwarded lists never pay for the recovery).
 */
export function validateShardTransaction(
  world: World,
  tx: EvmTransaction,
  senderOf: Uint8Array | null | (() => Uint8Array | null),
  isCrossShard: (tx: EvmTransaction) => boolean,
  rules: ShardTxRules,
  env: TxValidationEnv,
): TxRejection | FutureNonce | undefined {
  const expectedNetwork = tx.version === 2n ? rules.ethChainId : rules.networkId;
  if (tx.network_id !== expectedNetwork) {
    return reject(
      "NetworkIdMismatch",
      `evm tx network id mismatch. expect ${expectedNetwork} but got ${tx.network_id}`,
    );
  }
  if (!rules.isInBranch(tx.from_full_shard_key)) {
    return reject("NotInBranch", `evm tx from_full_shard_key (${tx.from_full_shard_key}) not in this branch`);
  }
  // Branch(evm_tx.to_full_shard_id) needs the target chain's shard size; pyquarkchain raises KeyError without it.
  const toShard = rules.fullShardIdOf(tx.to_full_shard_key);
  const sameChain = tx.from_full_shard_key >>> 16 === tx.to_full_shard_key >>> 16; // then both known or neither
  if (toShard === undefined || (!sameChain && rules.fullShardIdOf(tx.from_full_shard_key) === undefined)) {
    return reject("UnknownChain", `no chain for full shard key ${tx.to_full_shard_key}`);
  }
  const crossShard = isCrossShard(tx);
  if (crossShard && !rules.isInitialized(toShard)) {
    return reject("TargetShardNotInitialized", `evm tx to_full_shard_id ${toShard} is not initialized yet`);
  }
  if (crossShard && !rules.isNeighbor(toShard)) {
    return reject("TargetShardNotNeighbor", `evm tx to_full_shard_id ${toShard} is not a neighbor`);
  }
  if (crossShard && tx.startgas > rules.xshardGasLimit) {
    return reject("XshardGasLimitExceeded", "xshard evm tx exceeds xshard gas limit");
  }
  // From here on pyquarkchain reads evm_tx.sender, which raises InvalidTransaction for a bad signature.
  const sender = typeof senderOf === "function" ? senderOf() : senderOf;
  if (sender === null) return reject("UnsignedTransaction", "the signature does not recover a sender");
  if (rules.enableTxTimestamp !== null && env.timestamp < rules.enableTxTimestamp) {
    if (!rules.txWhitelistSenders.has(Buffer.from(sender).toString("hex"))) {
      return reject("SenderNotWhitelisted", "unwhitelisted senders not allowed before tx is enabled");
    }
  }
  if (rules.enableEvmTimestamp !== null && env.timestamp < rules.enableEvmTimestamp) {
    if (tx.to.length === 0 || tx.data.length !== 0) {
      return reject("EvmNotEnabled", "smart contract tx is not allowed before evm is enabled");
    }
  }
  const nonce = world.getNonce(sender);
  if (nonce < tx.nonce && tx.nonce <= nonce + MAX_FUTURE_TX_NONCE) return { futureNonce: true };
  return validateTransaction(world, tx, sender, crossShard, env);
}
