import { transferFailureByPoswBalanceCheck } from "../../evm/apply.ts";
import type { TxEffects } from "../../evm/effects.ts";
import type { TxEnv } from "../../evm/env.ts";
import { Execution } from "../../evm/execution.ts";
import type { Message } from "../../evm/message.ts";
import type { CrossShardTransactionDeposit } from "../../messages/core.ts";
import type { EvmTransaction } from "../../tx/transaction.ts";
import type { MessageOutcome } from "./apply-tx-message.ts";
import { mkContractAddress } from "../../evm/address.ts";
import { addBlockFee, deductValue, type ExecState } from "./exec-state.ts";
import { coinbaseFee } from "./fee.ts";
import { GTXXSHARDCOST } from "./intrinsic-gas.ts";
import { makeReceipt } from "./receipt.ts";
import { refundGas } from "./refund.ts";

export interface CrossShardSource {
  readonly tx: EvmTransaction;
  readonly sender: Uint8Array;
  readonly txWrapperHash: Uint8Array;
  readonly intrinsic: bigint;
  /** The converted (genesis-token) gas price. */
  readonly gasPrice: bigint;
  readonly refundRate: bigint;
  readonly effects: TxEffects;
  /** The message apply_transaction built (only its sender and value are read, by the PoSW check). */
  readonly msg: Message;
  readonly txEnv: TxEnv;
}

/**
 * The cross-shard branch of messages.py:apply_transaction: no EVM runs here. The value leaves the
 * sender and a CrossShardTransactionDeposit (gas in the genesis token at the converted price, the
 * gas left after the intrinsic reserved for the target shard once the EVM is on) joins
 * state.xshard_list; this shard keeps the intrinsic gas less the 9000 the target shard is paid for.
 * A PoSW-locked sender fails instead and burns all of startgas.
 */
export function applyCrossShardSource(state: ExecState, s: CrossShardSource): MessageOutcome {
  const { tx, sender } = s;
  const { world } = state;
  const genesis = state.rules.genesisToken;
  const evmOn = state.rules.enableEvmTimestamp === null || state.block.timestamp >= state.rules.enableEvmTimestamp;
  let localGasUsed = s.intrinsic;
  let remoteGasReserved = 0n;
  let success: boolean;
  if (transferFailureByPoswBalanceCheck(new Execution(world, state.block, s.txEnv, s.effects), s.msg)) {
    success = false;
    localGasUsed = tx.startgas;
  } else {
    if (!deductValue(world, sender, tx.transfer_token_id, tx.value)) {
      throw new Error("the sender cannot pay the value after validation");
    }
    const create = tx.to.length === 0;
    if (create || evmOn) remoteGasReserved = tx.startgas - s.intrinsic;
    const deposit: CrossShardTransactionDeposit = {
      tx_hash: s.txWrapperHash,
      from_address: { recipient: sender, full_shard_key: tx.from_full_shard_key },
      to_address: {
        // A cross-shard create's address hashes the nonce after the increment and the *from* key (messages.py).
        recipient: create ? mkContractAddress(sender, world.getNonce(sender), tx.from_full_shard_key) : tx.to,
        full_shard_key: tx.to_full_shard_key,
      },
      value: tx.value,
      gas_price: s.gasPrice,
      gas_token_id: genesis,
      transfer_token_id: tx.transfer_token_id,
      gas_remained: remoteGasReserved,
      message_data: tx.data,
      create_contract: create,
      is_from_root_chain: false,
      refund_rate: Number(s.refundRate),
    };
    state.xshardList.push(deposit);
    success = true;
  }
  const gasRemained = tx.startgas - localGasUsed - remoteGasReserved;
  refundGas(world, sender, genesis, s.gasPrice * gasRemained, s.refundRate);

  // The 9000 goes to the target shard's miner, so this shard's coinbase is not paid for it.
  const fee = coinbaseFee(s.gasPrice, localGasUsed - (success ? GTXXSHARDCOST : 0n), state.rules.localFeeRate);
  world.addBalance(state.block.coinbase, genesis, fee);
  addBlockFee(state, genesis, fee);

  state.gasUsed += localGasUsed;
  if (evmOn && success) state.gasUsed -= GTXXSHARDCOST;

  state.receipts.push(makeReceipt(success, state.gasUsed, s.effects.logs, new Uint8Array(0), state.world.fullShardKey));
  s.effects.logs = [];
  return { success, output: new Uint8Array(0) };
}
