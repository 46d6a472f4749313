import { hex } from "../../codec/bytes.ts";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { tokenIdEncode } from "../../config/token.ts";
import type { BlockEnv } from "../../evm/env.ts";
import type { ShardChain } from "../chain/shard-chain.ts";
import type { WorldState } from "../state/world-state.ts";
import { execRules, runBlockEnv, shardTxRules } from "./block-env.ts";
import type { ExecRules } from "./exec-state.ts";
import type { ShardTxRules } from "./validate-shard-tx.ts";

/**
 * The state an eth_call-style query runs on (shard_state.py:_get_evm_state_from_height, then
 * ephemeral_clone): a stored root, the block context pyquarkchain's EvmState carries there, and the
 * shard's rules for __validate_tx. Each run opens its own copy of the world; nothing is committed.
 */
export interface CallState {
  /** A fresh world at the state's root: a run changes it, nothing commits or writes it. */
  openWorld(): WorldState;
  /** The block context; `gasLimit` is state.gas_limit (GASLIMIT, the block gas check, gas 0's default). */
  readonly block: BlockEnv;
  readonly rules: ExecRules;
  readonly txRules: ShardTxRules;
}

/** No state to run on: no block at that height, or the state's records are not stored here. */
export class NoCallStateError extends Error {
  override readonly name = "NoCallStateError";
}

/** Opens the world state after a stored block, undefined when its records are not stored (Shard.worldAfterBlock). */
export type WorldAfter = (blockHash: Uint8Array) => WorldState | undefined;

/**
 * _get_evm_state_from_height(height): ShardState.evm_state for no height or the tip's, in `tipBlock`
 * (tip-state.ts tipBlockEnv, the context the pool validates in too); for an older height h, the
 * state after h in the context of canonical block h + 1 (_get_evm_state_for_new_block: its number,
 * time, coinbase, header gas limit, h's 256 ancestors, its sender_disallow_map). Above the tip there
 * is none.
 */
export function callStateAt(
  config: QuarkChainConfig,
  chain: ShardChain,
  worldAfter: WorldAfter,
  tipBlock: () => BlockEnv,
  height?: bigint,
): CallState {
  if (height === undefined || height === chain.headerTip.height)
    return tipCallState(config, chain, worldAfter, tipBlock());
  const next = chain.byHeight(height + 1n);
  if (!next) throw new NoCallStateError(`no block at height ${height + 1n} to take the context of height ${height}`);
  const env = runBlockEnv(config, chain, next);
  return callState(config, chain, worldAfter, next.header.hash_prev_minor_block, env.block);
}

/** ShardState.evm_state (shard_state.py:execute_tx, estimate_gas: its ephemeral_clone()): the state after the tip in `tipBlock`. */
export function tipCallState(
  config: QuarkChainConfig,
  chain: ShardChain,
  worldAfter: WorldAfter,
  tipBlock: BlockEnv,
): CallState {
  return callState(config, chain, worldAfter, chain.tipHash, tipBlock);
}

function callState(
  config: QuarkChainConfig,
  chain: ShardChain,
  worldAfter: WorldAfter,
  blockHash: Uint8Array,
  block: Omit<BlockEnv, "defaultChainToken">,
): CallState {
  if (!worldAfter(blockHash)) throw new NoCallStateError(`the state after block ${hex(blockHash)} is not stored here`);
  return {
    openWorld: () => {
      const world = worldAfter(blockHash);
      if (!world) throw new NoCallStateError(`the state after block ${hex(blockHash)} is not stored here`);
      return world;
    },
    // ephemeral_clone builds a new State, whose shard_config is ShardConfig(ChainConfig()): the
    // default chain token the copy sees is ChainConfig's "QKC", whatever the chain's is.
    block: { ...block, defaultChainToken: tokenIdEncode("QKC") },
    rules: execRules(config),
    // get_xshard_gas_limit() outside a block: the shard's genesis gas limit halved.
    txRules: shardTxRules(config, chain, chain.shard.GENESIS.GAS_LIMIT / 2n),
  };
}
