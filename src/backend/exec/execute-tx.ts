import type { Address } from "../../messages/core.ts";
import type { EvmTransaction } from "../../tx/transaction.ts";
import type { WorldState } from "../state/world-state.ts";
import { applyTransaction } from "./apply-tx.ts";
import type { CallState } from "./call-state.ts";
import { isCrossShard } from "./cross-shard.ts";
import { newExecState } from "./exec-state.ts";
import { validationEnv } from "./run-block.ts";
import { validateShardTransaction } from "./validate-shard-tx.ts";

/** One eth_call-style run: the output of a transaction that applied and succeeded, or why not. */
export type CallOutcome =
  { readonly ok: true; readonly output: Uint8Array } | { readonly ok: false; readonly why: string };

/**
 * shard_state.py:execute_tx: `gas` is the transaction's startgas, or state.gas_limit when it is 0.
 * The output of a successful call (a create's: the new contract's address); a failure of any kind
 * (invalid, reverted, out of gas) is `ok: false`.
 */
export function executeTx(state: CallState, tx: EvmTransaction, from: Address): CallOutcome {
  return runCall(state, tx, from, tx.startgas !== 0n ? tx.startgas : state.block.gasLimit);
}

/**
 * One run on a fresh copy of the state (execute_tx, and estimate_gas's run_tx): __validate_tx with
 * from_address, which rebuilds the transaction (the sender's current nonce, `gas`, from_address's
 * key and recipient as sender; price, target, value, data, network id and tokens kept; version 0,
 * unsigned), then apply_transaction with a zero wrapper hash. `prepare` changes the copy first.
 * Any exception is a failure, as pyquarkchain's `except Exception` makes it.
 */
export function runCall(
  state: CallState,
  tx: EvmTransaction,
  from: Address,
  gas: bigint,
  prepare?: (world: WorldState) => void,
): CallOutcome {
  try {
    const world = state.openWorld();
    prepare?.(world);
    const exec = newExecState(world, state.block, state.rules, state.block.gasLimit);
    const call: EvmTransaction = {
      ...tx,
      nonce: world.getNonce(from.recipient),
      startgas: gas,
      from_full_shard_key: from.full_shard_key,
      version: 0n,
      v: 0n,
      r: 0n,
      s: 0n,
    };
    const sender = from.recipient;
    const shardSize = (chain: number) => state.rules.shardSize(chain);
    const rejected = validateShardTransaction(
      world,
      call,
      sender,
      (t) => isCrossShard(t, shardSize),
      state.txRules,
      validationEnv(exec),
    );
    if (rejected !== undefined && "rule" in rejected) return { ok: false, why: rejected.message };
    const applied = applyTransaction(exec, call, sender, new Uint8Array(32));
    if ("rule" in applied) return { ok: false, why: applied.message };
    return applied.success ? { ok: true, output: applied.output } : { ok: false, why: "the transaction failed" };
  } catch (err) {
    return { ok: false, why: `execution raised: ${(err as Error).message}` };
  }
}
