import type { Logger } from "pino";
import { hex } from "../../codec/bytes.ts";
import { type QuarkChainConfig, fullShardIdByFullShardKey } from "../../config/cluster-config.ts";
import type { ClusterMessage, ClusterOpDefs } from "../../messages/cluster.ts";
import type { ResponseOf } from "../../messages/ops.ts";
import { type EvmTransaction, decodeEvmTransaction } from "../../tx/transaction.ts";
import { callStateAt, type CallState, tipCallState } from "../exec/call-state.ts";
import { estimateGas } from "../exec/estimate-gas.ts";
import { executeTx } from "../exec/execute-tx.ts";
import { rootChainStakes } from "../exec/root-chain-stakes.ts";
import type { Shard } from "../shard.ts";

/*
 * The master's eth_call-style requests (slave.py handle_execute_transaction, handle_estimate_gas,
 * handle_get_root_chain_stakes): transactions run on a copy of a stored state, nothing kept.
 * Every failure is answered with error_code 1 and logged once, at debug (a revert or a bad
 * request is the caller's business); where pyquarkchain's handler raises and so drops the master
 * link, error_code 1 is answered instead.
 */

/** What these handlers see of the backend (structurally, master.ts's Shards). */
export interface ExecShards {
  readonly config: QuarkChainConfig;
  readonly log: Logger;
  get(fullShardId: number): Shard | undefined;
}

type Request<N extends keyof ClusterOpDefs> = ClusterMessage<N>;
type Response<N extends keyof ClusterOpDefs> = ResponseOf<ClusterOpDefs, N>;

/** Why a request is answered with error_code 1. */
class Refused extends Error {}

/**
 * SlaveServer.execute_tx: the shard of the transaction's from_full_shard_key, then
 * ShardState.execute_tx at block_height (none: the tip). The output of a successful call.
 */
export function executeTransaction(
  shards: ExecShards,
  req: Request<"EXECUTE_TRANSACTION_REQUEST">,
): Response<"EXECUTE_TRANSACTION_REQUEST"> {
  return answer(shards, "EXECUTE_TRANSACTION", { error_code: 1, result: new Uint8Array(0) }, () => {
    const tx = decoded(req.tx.tx.serialized_tx);
    const shard = local(shards, tx.from_full_shard_key);
    const state = callStateAt(
      shards.config,
      shard.chain,
      worldAfter(shard),
      () => shard.tipBlock(),
      req.block_height ?? undefined,
    );
    const outcome = executeTx(state, tx, req.from_address);
    if (!outcome.ok) throw new Refused(outcome.why);
    return { error_code: 0, result: outcome.output };
  });
}

/** SlaveServer.estimate_gas: the shard of from_address's full_shard_key, on its tip's state. */
export function estimateGasOf(
  shards: ExecShards,
  req: Request<"ESTIMATE_GAS_REQUEST">,
): Response<"ESTIMATE_GAS_REQUEST"> {
  return answer(shards, "ESTIMATE_GAS", { error_code: 1, result: 0 }, () => {
    const tx = decoded(req.tx.tx.serialized_tx);
    const shard = local(shards, req.from_address.full_shard_key);
    const state: CallState = tipCallState(shards.config, shard.chain, worldAfter(shard), shard.tipBlock());
    const gas = estimateGas(state, tx, req.from_address, shard.fullShardId);
    if (gas === undefined) throw new Refused("the transaction does not succeed with the most gas allowed");
    // EstimateGasResponse.result is a uint32, which pyquarkchain would fail to serialize.
    if (gas > 0xffff_ffffn) throw new Refused(`estimate ${gas} does not fit the response`);
    return { error_code: 0, result: Number(gas) };
  });
}

/**
 * SlaveServer.get_root_chain_stakes: served on full shard id 1 (chain 0, shard 0) only, for a
 * stored block. pyquarkchain asserts both (the master link drops); error_code 1 is answered.
 */
export function getRootChainStakes(
  shards: ExecShards,
  req: Request<"GET_ROOT_CHAIN_STAKES_REQUEST">,
): Response<"GET_ROOT_CHAIN_STAKES_REQUEST"> {
  const failed = { error_code: 1, stakes: 0n, signer: new Uint8Array(20) };
  return answer(shards, "GET_ROOT_CHAIN_STAKES", failed, () => {
    const shard = local(shards, req.address.full_shard_key);
    if (shard.fullShardId !== 1) throw new Refused(`served on full shard id 1 only, not ${shard.fullShardId}`);
    const world = shard.worldAfterBlock(req.minor_block_hash);
    if (!world) throw new Refused(`no state stored for block ${hex(req.minor_block_hash)}`);
    const { stakes, signer } = rootChainStakes(shards.config, shard.chain.shard, world, req.address.recipient);
    return { error_code: 0, stakes, signer };
  });
}

/** The answer `run` gives, or `failed` (logged once) when it throws. */
function answer<R>(shards: ExecShards, op: string, failed: R, run: () => R): R {
  try {
    return run();
  } catch (err) {
    shards.log.debug({ op, reason: (err as Error).message }, "answered error_code 1");
    return failed;
  }
}

function decoded(serialized: Uint8Array): EvmTransaction {
  try {
    return decodeEvmTransaction(serialized);
  } catch (err) {
    throw new Refused(`undecodable transaction: ${(err as Error).message}`);
  }
}

/** The local shard of a full_shard_key (pyquarkchain's handler answers None for one that is not local). */
function local(shards: ExecShards, fullShardKey: number): Shard {
  let id: number;
  try {
    id = fullShardIdByFullShardKey(shards.config, fullShardKey);
  } catch (err) {
    throw new Refused((err as Error).message);
  }
  const shard = shards.get(id);
  if (!shard) throw new Refused(`shard ${id} is not local`);
  return shard;
}

const worldAfter = (shard: Shard) => (hash: Uint8Array) => shard.worldAfterBlock(hash);
