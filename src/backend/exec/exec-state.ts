import type { Fraction } from "../../config/fraction.ts";
import type { CrossShardTransactionDeposit } from "../../messages/core.ts";
import type { BlockEnv } from "../../evm/env.ts";
import type { World } from "../../evm/world.ts";
import type { Receipt } from "./receipt.ts";

/**
 * The world state as the transaction layer uses it: the interpreter's World plus pyquarkchain's
 * `State.full_shard_key`, the key every account first read from now on is created with
 * (State.get_and_cache_account). apply_transaction sets it to the tx's to_full_shard_key.
 */
export interface ExecWorld extends World {
  /** Journaled: a revert restores it, as State.revert restores STATE_DEFAULTS. */
  fullShardKey: number;
}

/** The chain rules apply_transaction consults (quarkchain_config / shard_config). */
export interface ExecRules {
  /** 1 − REWARD_TAX_RATE. */
  readonly localFeeRate: Fraction;
  /** state.genesis_token: gas inside the VM is always in it. */
  readonly genesisToken: bigint;
  /** ENABLE_EVM_TIMESTAMP (null: on from genesis). */
  readonly enableEvmTimestamp: bigint | null;
  /** ENABLE_EIP155_SIGNER_TIMESTAMP (null: on). */
  readonly eip155SignerTimestamp: bigint | null;
  /** token_id_encode(CHAINS[chain].DEFAULT_CHAIN_TOKEN), undefined for no such chain. */
  chainDefaultToken(chainId: number): bigint | undefined;
  /** CHAINS[chain].SHARD_SIZE (Transaction.is_cross_shard). */
  shardSize(chainId: number): number;
}

/**
 * What pyquarkchain keeps on `State` across the transactions of one block, besides the world:
 * gas used so far, the (adjusted) gas limit, receipts, the cross-shard deposits made, the fees.
 * The transaction layer reads and advances it; the block layer creates one per block.
 */
export interface ExecState {
  readonly world: ExecWorld;
  readonly block: BlockEnv;
  readonly rules: ExecRules;
  /** state.gas_used: cumulative, cross-shard gas included. */
  gasUsed: bigint;
  /** state.gas_limit. */
  readonly gasLimit: bigint;
  readonly receipts: Receipt[];
  readonly xshardDepositReceipts: Receipt[];
  /** state.xshard_list: the deposits this block's cross-shard transactions produce. */
  readonly xshardList: CrossShardTransactionDeposit[];
  /** state.block_fee_tokens: token id -> fees credited to the coinbase. */
  readonly blockFeeTokens: Map<bigint, bigint>;
}

/** utils.add_dict(state.block_fee_tokens, {token: fee}). */
export function addBlockFee(state: ExecState, tokenId: bigint, fee: bigint): void {
  state.blockFeeTokens.set(tokenId, (state.blockFeeTokens.get(tokenId) ?? 0n) + fee);
}

/** State.deduct_value: take `value` if the balance allows it, report whether it did. */
export function deductValue(world: World, addr: Uint8Array, tokenId: bigint, value: bigint): boolean {
  if (world.getBalance(addr, tokenId) < value) return false;
  world.addBalance(addr, tokenId, -value);
  return true;
}
