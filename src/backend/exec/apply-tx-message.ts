import type { Log, TxEffects } from "../../evm/effects.ts";
import { applyMessage, createContract } from "../../evm/apply.ts";
import { Execution } from "../../evm/execution.ts";
import type { Message } from "../../evm/message.ts";
import type { TxEnv } from "../../evm/env.ts";
import { addBlockFee, type ExecState } from "./exec-state.ts";
import { coinbaseFee } from "./fee.ts";
import { makeReceipt } from "./receipt.ts";
import { refundGas } from "./refund.ts";
import { reject, type TxRejection } from "./tx-rejection.ts";

/** opcodes.py:GSUICIDEREFUND, per distinct self-destructed account. */
const GSUICIDEREFUND = 24000n;

/** Shared by every result and receipt that has none (nothing writes into them). */
const EMPTY = new Uint8Array(0);
const NO_LOGS: readonly Log[] = Object.freeze([]);
/** The outcomes without output (a value transfer's, a failure's): shared. */
const EMPTY_OK: MessageOutcome = Object.freeze({ success: true, output: EMPTY });
const EMPTY_FAILED: MessageOutcome = Object.freeze({ success: false, output: EMPTY });

export interface MessageOutcome {
  readonly success: boolean;
  /** The call's return data, or the new contract's address for a create. */
  readonly output: Uint8Array;
}

export interface TransactionMessage {
  readonly msg: Message;
  readonly tx: TxEnv;
  readonly effects: TxEffects;
  readonly shouldCreateContract: boolean;
  /** Gas charged before the EVM: the intrinsic gas, or a deposit's 9000. */
  readonly gasUsedStart: bigint;
  readonly isCrossShard: boolean;
  /** A deposit's fixed contract address; empty to derive it (create_contract). */
  readonly contractAddress: Uint8Array;
  readonly refundRate: bigint;
}

/**
 * messages.py:apply_transaction_message: run the message (or the create), refund on success
 * (SSTORE refunds plus 24000 per distinct suicide, at most half the gas used), return the unused
 * gas (with the burn), pay the coinbase its fee at the local fee rate, count the gas, delete the
 * self-destructed accounts, and add the receipt (a deposit receipt for a cross-shard deposit once
 * the EVM is on).
 */
export function applyTransactionMessage(state: ExecState, m: TransactionMessage): MessageOutcome | TxRejection {
  const { msg, tx, effects } = m;
  // gas token should always be converted to genesis token (apply_transaction_message's assert)
  if (msg.gasTokenId !== state.rules.genesisToken) throw new Error("the message's gas token is not the genesis token");
  const ex = new Execution(state.world, state.block, tx, effects);
  const evmGasStart = msg.gas;
  const recipient = m.contractAddress.length === 0 ? undefined : m.contractAddress;
  const result = m.shouldCreateContract ? createContract(ex, msg, recipient) : applyMessage(ex, msg);
  const contractAddress = m.shouldCreateContract && result.success && result.output.length > 0 ? result.output : EMPTY;
  let gasRemained = result.gasRemaining;
  if (gasRemained < 0n) return reject("NegativeGasRemained", `gas remained ${gasRemained}`);
  let gasUsed = evmGasStart - gasRemained + m.gasUsedStart;

  if (result.success && (effects.refunds !== 0 || effects.suicides.length !== 0)) {
    const suicided = effects.suicides.length === 0 ? 0 : effects.distinctSuicides().length;
    const refunds = BigInt(effects.refunds) + BigInt(suicided) * GSUICIDEREFUND;
    if (refunds > 0n) {
      const refund = refunds < gasUsed / 2n ? refunds : gasUsed / 2n;
      gasRemained += refund;
      gasUsed -= refund;
    }
  }
  effects.refunds = 0;

  refundGas(state.world, msg.sender, msg.gasTokenId, tx.gasPrice * gasRemained, m.refundRate);
  const fee = coinbaseFee(tx.gasPrice, gasUsed, state.rules.localFeeRate);
  state.world.addBalance(state.block.coinbase, msg.gasTokenId, fee);
  addBlockFee(state, msg.gasTokenId, fee);
  state.gasUsed += gasUsed;

  // Every listed suicide, repeats included, as the loop over state.suicides does.
  const suicides = effects.suicides;
  if (suicides.length !== 0) {
    effects.suicides = [];
    for (const addr of suicides) state.world.deleteAccount(addr);
  }

  // The receipt keeps the logs: the effects start a new list (one that was empty stays theirs).
  const logs = effects.logs;
  if (logs.length !== 0) effects.logs = [];
  const receipt = makeReceipt(
    result.success,
    state.gasUsed,
    logs.length === 0 ? NO_LOGS : logs,
    contractAddress,
    state.world.fullShardKey,
  );
  if (m.isCrossShard) {
    const evmOn = state.rules.enableEvmTimestamp === null || state.block.timestamp >= state.rules.enableEvmTimestamp;
    if (evmOn) state.xshardDepositReceipts.push(receipt);
  } else {
    state.receipts.push(receipt);
  }
  const output = result.success ? result.output : EMPTY;
  if (output.length === 0) return result.success ? EMPTY_OK : EMPTY_FAILED;
  return { success: result.success, output };
}
