import type { BlockEnv } from "../../evm/env.ts";
import type {
  CrossShardTransactionDeposit,
  MinorBlock,
  MinorBlockMeta,
  RootBlock,
  XshardTxCursorInfo,
} from "../../messages/core.ts";
import { typedTransactionHash } from "../../messages/core.ts";
import { senderOf } from "../../tx/senders.ts";
import { decodeEvmTransaction, type EvmTransaction } from "../../tx/transaction.ts";
import type { WorldState, StateCommit } from "../state/world-state.ts";
import { VALIDATED, applyTransaction } from "./apply-tx.ts";
import { applyXshardDeposit } from "./apply-xshard-deposit.ts";
import { type Bloom, bloomOr, emptyBloom } from "./bloom.ts";
import { isCrossShardIn } from "./cross-shard.ts";
import { addBlockFee, type ExecRules, type ExecState, newExecState } from "./exec-state.ts";
import { type Receipt, encodeReceiptList } from "./receipt.ts";
import { receiptRootAhead } from "./receipt-root.ts";
import { type ShardTxRules, validateShardTransaction } from "./validate-shard-tx.ts";
import type { TxValidationEnv } from "./validate-tx.ts";
import { type CursorSource, XshardTxCursor } from "./xshard-cursor.ts";
import { stateValidationEnv } from "./validation-env.ts";

/** opcodes.GTXXSHARDCOST. */
const GTXXSHARDCOST = 9000n;

/** What run_block needs besides the block: the shard's rules and the chain around the block. */
export interface RunBlockEnv {
  readonly rules: ExecRules;
  /** ShardState.__validate_tx's view of the shard (xshardGasLimit: the block's evm_xshard_gas_limit). */
  readonly txRules: ShardTxRules;
  readonly cursor: CursorSource;
  /** The root block at the block's hash_prev_root_block. */
  readonly maxRoot: RootBlock;
  /** The parent's meta.xshard_tx_cursor_info. */
  readonly parentCursor: XshardTxCursorInfo;
  /** The block environment, gasLimit being the header's evm_gas_limit (prev hashes, disallow map, schedule). */
  readonly block: BlockEnv;
  /** XSHARD_GAS_DDOS_FIX_ROOT_HEIGHT. */
  readonly xshardGasDdosFixRootHeight: number;
  /** get_coinbase_amount_map(height): the block reward, token -> amount. */
  readonly reward: ReadonlyMap<bigint, bigint>;
}

/** What pyquarkchain's evm_state holds after run_block, as add_block checks it. */
export interface RunBlockResult {
  readonly commit: StateCommit;
  readonly cursor: XshardTxCursorInfo;
  /** Transaction receipts, then deposit receipts (mk_receipt_sha's order). */
  readonly receipts: readonly Receipt[];
  /** rlp(receipt) of each, in that order (the receipt trie's values): views into receiptsRecord. */
  readonly encodedReceipts: readonly Uint8Array[];
  /** rlp of that list of strings: what the store keeps (pyquarkchain's receipt record), encoded with them. */
  readonly receiptsRecord: Uint8Array;
  readonly receiptRoot: Uint8Array;
  readonly gasUsed: bigint;
  readonly xshardReceiveGasUsed: bigint;
  /** Reward + block_fee_tokens. */
  readonly coinbaseAmounts: ReadonlyMap<bigint, bigint>;
  readonly bloom: Bloom;
  /** The deposits this block received (x_shard_receive_tx_list). */
  readonly received: readonly CrossShardTransactionDeposit[];
  /** state.xshard_list: the deposits this block sends. */
  readonly sent: readonly CrossShardTransactionDeposit[];
}

/** run_block raised: the block is refused with this message. */
export class BlockRunError extends Error {
  override readonly name = "BlockRunError";
}

/**
 * shard_state.py:run_block on `world`, the state at the parent's root: the cross-shard deposits
 * through the cursor (__run_cross_shard_tx_with_cursor, stopping once gas_used reaches the block's
 * xshard gas limit), the in-shard gas limit lowered by what the deposits left unused, each
 * transaction validated (__validate_tx) and applied, then the coinbase reward, then commit.
 * Throws BlockRunError where pyquarkchain raises.
 */
export function runBlock(world: WorldState, block: MinorBlock, env: RunBlockEnv): RunBlockResult {
  const received = receiveDeposits(newExecState(world, env.block, env.rules, env.block.gasLimit), env, block.meta);
  const { txState } = received;
  const crossShard = (t: EvmTransaction): boolean => isCrossShardIn(t, env.rules);
  const env2 = validationEnv(txState); // live: reads the state's gas used when asked
  const txs = block.tx_list;
  for (let idx = 0; idx < txs.length; idx++) {
    const typed = txs[idx]!;
    const serialized = typed.tx.serialized_tx;
    let tx: EvmTransaction;
    try {
      tx = decodeEvmTransaction(serialized);
    } catch (err) {
      throw new BlockRunError(`tx ${idx}: ${(err as Error).message}`);
    }
    const sender = senderOf(serialized, tx); // recovered ahead when the block is big
    const shardRejection = validateShardTransaction(world, tx, sender, crossShard, env.txRules, env2);
    if (shardRejection !== undefined && "rule" in shardRejection)
      throw new BlockRunError(`tx ${idx}: ${shardRejection.message}`);
    // Undefined: validate_transaction passed just now, on this state (apply_transaction's own run is skipped).
    const options = shardRejection === undefined ? VALIDATED : undefined;
    const applied = applyTransaction(txState, tx, sender, typedTransactionHash(typed), options);
    if ("rule" in applied) throw new BlockRunError(`tx ${idx}: ${applied.message}`);
  }
  return finishBlock(world, env, received);
}

/** The deposits a block received and the state its transactions then run in. */
export interface ReceivedDeposits {
  /** The block's state after the deposits, its gas limit lowered by the xshard gas they left unused. */
  readonly txState: ExecState;
  readonly cursor: XshardTxCursor;
  readonly received: readonly CrossShardTransactionDeposit[];
  readonly xshardReceiveGasUsed: bigint;
}

/**
 * __run_cross_shard_tx_with_cursor on `state` (a block's, nothing run yet): the deposits through
 * the cursor from the parent's cursor info, stopping once gas_used reaches the block's
 * evm_xshard_gas_limit; then the in-shard gas limit lowered by what the deposits left unused
 * (run_block and create_block_to_mine alike).
 */
export function receiveDeposits(
  state: ExecState,
  env: RunBlockEnv,
  meta: Pick<MinorBlockMeta, "evm_xshard_gas_limit">,
): ReceivedDeposits {
  const xshardGasLimit = meta.evm_xshard_gas_limit;
  const cursor = new XshardTxCursor(env.cursor, env.maxRoot, env.parentCursor);
  const received: CrossShardTransactionDeposit[] = [];
  for (let deposit = cursor.next(); deposit; deposit = cursor.next()) {
    received.push(deposit);
    runOneDeposit(state, env, deposit, cursor.rootHeight >= env.xshardGasDdosFixRootHeight);
    if (state.gasUsed >= xshardGasLimit) break; // the soft limit of the xshard gas
  }
  const xshardReceiveGasUsed = state.gasUsed;

  // Adjust the in-shard gas limit if the xshard gas limit is not exhausted.
  let gasLimit = state.gasLimit;
  if (state.gasUsed < xshardGasLimit) gasLimit -= xshardGasLimit - state.gasUsed;
  const txState: ExecState = { ...state, gasLimit, block: { ...state.block, gasLimit } };
  return { txState, cursor, received, xshardReceiveGasUsed };
}

/**
 * The block's end once its transactions ran in `received.txState`: the receipts (transactions first,
 * then deposits) encoded and their root started on a sender thread, the coinbase reward, commit, the
 * bloom, reward + fees, the receipt root taken.
 */
export function finishBlock(world: WorldState, env: RunBlockEnv, received: ReceivedDeposits): RunBlockResult {
  const { txState } = received;
  const receipts = [...txState.receipts, ...txState.xshardDepositReceipts];
  const { record: receiptsRecord, each: encodedReceipts } = encodeReceiptList(receipts);
  // The receipt trie is hashed on a sender thread while this one commits the state (they share nothing).
  const pendingRoot = receiptRootAhead(receiptsRecord, encodedReceipts);
  let commit: StateCommit;
  try {
    // Pay the miner.
    for (const [token, amount] of env.reward) world.addBalance(env.block.coinbase, token, amount);
    commit = world.commit();
  } catch (err) {
    pendingRoot.cancel();
    throw err;
  }
  const bloom = emptyBloom();
  for (const r of receipts) if (r.logs.length > 0) bloomOr(bloom, r.bloom); // no logs: an empty bloom
  const coinbaseAmounts = new Map(env.reward);
  for (const [token, fee] of txState.blockFeeTokens)
    coinbaseAmounts.set(token, (coinbaseAmounts.get(token) ?? 0n) + fee);
  return {
    commit,
    cursor: received.cursor.info(),
    receipts,
    encodedReceipts,
    receiptsRecord,
    receiptRoot: pendingRoot.take(),
    gasUsed: txState.gasUsed,
    xshardReceiveGasUsed: received.xshardReceiveGasUsed,
    coinbaseAmounts,
    bloom,
    received: received.received,
    sent: txState.xshardList,
  };
}

/** validate_transaction's view of `state` as it stands (gas used so far, the gas limit, the gas-token manager). */
export function validationEnv(state: ExecState): TxValidationEnv {
  return stateValidationEnv(state);
}

/**
 * ShardState.__run_one_xshard_tx: the 9000 start (by the DDoS-fix rule from its root height on,
 * else by gas price), then before ENABLE_EVM_TIMESTAMP a plain credit and the coinbase's share
 * of 9000·price, after it apply_xshard_deposit; gas_used must stay within gas_limit.
 */
function runOneDeposit(
  state: ExecState,
  env: RunBlockEnv,
  deposit: CrossShardTransactionDeposit,
  checkIsFromRootChain: boolean,
): void {
  const gasUsedStart = checkIsFromRootChain
    ? deposit.is_from_root_chain
      ? 0n
      : GTXXSHARDCOST
    : deposit.gas_price !== 0n
      ? GTXXSHARDCOST
      : 0n;
  const evmOn = env.rules.enableEvmTimestamp;
  if (evmOn !== null && state.block.timestamp < evmOn) {
    state.world.addBalance(deposit.to_address.recipient, deposit.transfer_token_id, deposit.value);
    state.gasUsed += gasUsedStart;
    const rate = env.rules.localFeeRate;
    const fee = (GTXXSHARDCOST * deposit.gas_price * rate.numerator) / rate.denominator;
    addBlockFee(state, deposit.gas_token_id, fee);
    state.world.addBalance(state.block.coinbase, deposit.gas_token_id, fee);
  } else {
    const outcome = applyXshardDeposit(state, deposit, gasUsedStart);
    if ("rule" in outcome) throw new BlockRunError(`xshard deposit: ${outcome.message}`);
  }
  if (state.gasUsed > state.gasLimit) throw new BlockRunError("xshard deposits exceed the gas limit");
}
