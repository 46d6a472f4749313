import { TxEffects } from "../../evm/effects.ts";
import type { Message } from "../../evm/message.ts";
import type { CrossShardTransactionDeposit } from "../../messages/core.ts";
import { applyTransactionMessage, type MessageOutcome } from "./apply-tx-message.ts";
import type { ExecState } from "./exec-state.ts";
import type { TxRejection } from "./tx-rejection.ts";

/** The contract address of a deposit that creates none (read, never written). */
const EMPTY = new Uint8Array(0);

/**
 * messages.py:apply_xshard_deposit, the target side of a cross-shard transaction once the EVM is on:
 * the value is first credited to the sender's address on this shard, then a message (or a create at
 * the deposit's fixed address) runs from it with the gas the source reserved, at the deposit's
 * (converted) price and refund rate; a failure leaves the value with the sender here. The receipt is
 * a deposit receipt. `gasUsedStart` is the 9000 the caller charges (ShardState.__run_one_xshard_tx).
 */
export function applyXshardDeposit(
  state: ExecState,
  deposit: CrossShardTransactionDeposit,
  gasUsedStart: bigint,
): MessageOutcome | TxRejection {
  const { world } = state;
  const effects = new TxEffects();
  world.fullShardKey = deposit.to_address.full_shard_key;
  const from = deposit.from_address.recipient;
  const to = deposit.to_address.recipient;
  world.addBalance(from, deposit.transfer_token_id, deposit.value);
  // vm.py:Message with the constructor's defaults for the rest (makeMessage's, written out: one object a deposit).
  const msg: Message = {
    sender: from,
    to,
    value: deposit.value,
    gas: deposit.gas_remained,
    data: deposit.message_data,
    depth: 0,
    codeAddress: to,
    isCreate: false,
    transfersValue: true,
    isStatic: false,
    toFullShardKey: deposit.to_address.full_shard_key,
    transferTokenId: deposit.transfer_token_id,
    gasTokenId: deposit.gas_token_id,
    tokenIdQueried: false,
  };
  return applyTransactionMessage(state, {
    msg,
    tx: { origin: from, gasPrice: deposit.gas_price, chainId: world.fullShardKey >>> 16 },
    effects,
    shouldCreateContract: deposit.create_contract,
    gasUsedStart,
    isCrossShard: true,
    contractAddress: deposit.create_contract ? to : EMPTY,
    refundRate: BigInt(deposit.refund_rate),
  });
}
