import { TxEffects } from "../../evm/effects.ts";
import type { Message } from "../../evm/message.ts";
import { SYSTEM_CONTRACTS } from "../../evm/system-contracts.ts";
import type { EvmTransaction } from "../../tx/transaction.ts";
import { applyTransactionMessage, type MessageOutcome } from "./apply-tx-message.ts";
import { isCrossShardIn } from "./cross-shard.ts";
import { deductValue, type ExecState } from "./exec-state.ts";
import { payNativeTokenAsGas } from "./gas-token.ts";
import { intrinsicGas } from "./intrinsic-gas.ts";
import type { TxRejection } from "./tx-rejection.ts";
import { validateTransaction } from "./validate-tx.ts";
import { stateValidationEnv } from "./validation-env.ts";
import { applyCrossShardSource } from "./xshard-source.ts";

export interface ApplyTxOptions {
  /**
   * Transaction.is_testing (pyquarkchain's Ethereum state tests): the message carries no shard
   * keys, so contract addresses use Ethereum's formula.
   */
  readonly isTesting?: boolean;
  /**
   * The caller has just run validate_transaction on this state and transaction and it passed
   * (run_block's __validate_tx, right before): apply_transaction's own run of it reads the same
   * state and can only agree, so it is skipped.
   */
  readonly validated?: boolean;
}

const NO_OPTIONS: ApplyTxOptions = {};

/** Run_block's options after its own validation passed (one object for every transaction). */
export const VALIDATED: ApplyTxOptions = Object.freeze({ validated: true });

const EMPTY = new Uint8Array(0);

/** A transaction that applied (successfully or not: a failure is still in the block, with its gas). */
export type ApplyTxResult = { readonly applied: true } & MessageOutcome;

/**
 * messages.py:apply_transaction: validate (a rejection changes nothing), then bump the nonce, buy
 * the gas (converting a non-genesis gas token through the general native token manager), and run
 * the message in this shard, or, for a cross-shard transaction, produce its deposit.
 * `txWrapperHash` is the TypedTransaction hash the deposit carries.
 */
export function applyTransaction(
  state: ExecState,
  tx: EvmTransaction,
  sender: Uint8Array | null,
  txWrapperHash: Uint8Array,
  options: ApplyTxOptions = NO_OPTIONS,
): ApplyTxResult | TxRejection {
  const { world, rules } = state;
  const crossShard = isCrossShardIn(tx, rules);
  if (options.validated !== true || sender === null) {
    const rejection = validateTransaction(world, tx, sender, crossShard, stateValidationEnv(state));
    if (rejection !== undefined) return rejection;
  }
  const from = sender!;

  // Undoes the transaction if the interpreter ends it where pyquarkchain's assert would.
  const effects = new TxEffects();
  const before = world.snapshot();
  world.fullShardKey = tx.to_full_shard_key;
  const intrinsic = intrinsicGas(tx, crossShard);
  world.setNonce(from, world.getNonce(from) + 1n);

  // buy startgas, converting a non-genesis gas token
  let gasPrice = tx.gasprice;
  let refundRate = 100n;
  if (gasPrice !== 0n && tx.gas_token_id !== rules.genesisToken) {
    const conversion = payNativeTokenAsGas(state, tx.gas_token_id, tx.startgas, tx.gasprice, effects);
    // guaranteed by validation (pyquarkchain's check())
    if (conversion.convertedPrice <= 0n) throw new Error("gas token conversion gave no price after validation");
    gasPrice = conversion.convertedPrice;
    refundRate = conversion.refundRate;
    const manager = SYSTEM_CONTRACTS[2].address;
    if (!deductValue(world, manager, rules.genesisToken, tx.startgas * gasPrice)) {
      throw new Error("the gas reserve fell short after validation");
    }
    world.addBalance(manager, tx.gas_token_id, tx.startgas * tx.gasprice);
  }
  if (!deductValue(world, from, tx.gas_token_id, tx.startgas * tx.gasprice)) {
    throw new Error("the sender cannot pay the gas after validation");
  }

  const testing = options.isTesting === true;
  // vm.py:Message, every field as the constructor's defaults leave them (code_address = to).
  const msg: Message = {
    sender: from,
    to: tx.to,
    value: tx.value,
    gas: tx.startgas - intrinsic,
    data: tx.data,
    depth: 0,
    codeAddress: tx.to,
    isCreate: false,
    transfersValue: true,
    isStatic: false,
    toFullShardKey: testing ? undefined : tx.to_full_shard_key,
    transferTokenId: tx.transfer_token_id,
    gasTokenId: rules.genesisToken,
    tokenIdQueried: false,
  };
  const txEnv = { origin: from, gasPrice, chainId: world.fullShardKey >>> 16 };

  if (!crossShard) {
    const outcome = applyTransactionMessage(state, {
      msg,
      tx: txEnv,
      effects,
      shouldCreateContract: tx.to.length === 0,
      gasUsedStart: intrinsic,
      isCrossShard: false,
      contractAddress: EMPTY,
      refundRate,
    });
    if ("rule" in outcome) {
      world.revert(before);
      return outcome;
    }
    return appliedWith(outcome);
  }
  const outcome = applyCrossShardSource(state, {
    tx,
    sender: from,
    txWrapperHash,
    intrinsic,
    gasPrice,
    refundRate,
    effects,
    msg,
    txEnv,
  });
  return appliedWith(outcome);
}

/** A value transfer's result: no output (shared, never written into). */
const APPLIED_EMPTY_OK: ApplyTxResult = Object.freeze({ applied: true, success: true, output: EMPTY });
const APPLIED_EMPTY_FAILED: ApplyTxResult = Object.freeze({ applied: true, success: false, output: EMPTY });

function appliedWith(outcome: MessageOutcome): ApplyTxResult {
  if (outcome.output.length === 0) return outcome.success ? APPLIED_EMPTY_OK : APPLIED_EMPTY_FAILED;
  return { applied: true, success: outcome.success, output: outcome.output };
}
