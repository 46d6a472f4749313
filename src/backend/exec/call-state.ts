import { hex } from "../../codec/bytes.ts";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { tokenIdEncode } from "../../config/token.ts";
import { type BlockEnv, forkSchedule } from "../../evm/env.ts";
import type { MinorBlock } from "../../messages/core.ts";
import { minorBlockHash } from "../chain/hashes.ts";
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

/** evm/state.py STATE_DEFAULTS: what a state built by __create_evm_state holds until a block sets it. */
const DEFAULT_GAS_LIMIT = 3_141_592n;
const DEFAULT_DIFFICULTY = 1n;

/**
 * _get_evm_state_from_height(height): ShardState.evm_state for no height or the tip's; for an older
 * height h, the state after h in the context of canonical block h + 1 (_get_evm_state_for_new_block:
 * its number, time, coinbase, header gas limit, h's 256 ancestors). Above the tip there is none.
 */
export function callStateAt(
  config: QuarkChainConfig,
  chain: ShardChain,
  worldAfter: WorldAfter,
  height?: bigint,
): CallState {
  if (height === undefined || height === chain.headerTip.height) return tipCallState(config, chain, worldAfter);
  const next = chain.byHeight(height + 1n);
  if (!next) throw new NoCallStateError(`no block at height ${height + 1n} to take the context of height ${height}`);
  const env = runBlockEnv(config, chain, next);
  return callState(config, chain, worldAfter, next.header.hash_prev_minor_block, env.block);
}

/**
 * ShardState.evm_state, the state after the tip as pyquarkchain keeps it. After the genesis block
 * (init_genesis_state) it is a bare __create_evm_state: timestamp 0, number 0, a zero coinbase,
 * gas limit 3141592, the genesis header as its one prev header. After a block it is run_block's
 * state: that block's context, the gas limit lowered by the xshard gas the block left unused, and
 * the block itself prepended to the prev headers (add_block_header).
 * (A state pyquarkchain rebuilds on recovery or on a root block's tip reset takes the wall clock
 * as its timestamp; that is not followed.)
 */
export function tipCallState(config: QuarkChainConfig, chain: ShardChain, worldAfter: WorldAfter): CallState {
  const tip = chain.tip;
  const tipHash = chain.tipHash;
  if (tip.header.height === chain.shard.GENESIS.HEIGHT) {
    return callState(config, chain, worldAfter, tipHash, {
      coinbase: new Uint8Array(20),
      timestamp: 0n,
      number: 0n,
      difficulty: DEFAULT_DIFFICULTY,
      gasLimit: DEFAULT_GAS_LIMIT,
      prevHashes: [tipHash],
      senderDisallowMap: new Map(),
      schedule: scheduleOf(config),
    });
  }
  const env = runBlockEnv(config, chain, tip).block;
  return callState(config, chain, worldAfter, tipHash, {
    ...env,
    gasLimit: inShardGasLimit(tip),
    prevHashes: [minorBlockHash(tip.header), ...env.prevHashes].slice(0, 256),
  });
}

/** run_block's adjustment: the header's gas limit less the xshard gas the deposits left unused. */
function inShardGasLimit(block: MinorBlock): bigint {
  const { evm_xshard_gas_limit: xshardLimit, evm_cross_shard_receive_gas_used: used } = block.meta;
  return used < xshardLimit ? block.header.evm_gas_limit - (xshardLimit - used) : block.header.evm_gas_limit;
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

/** The fork schedule of the config, as run_block's state has it. */
export function scheduleOf(config: QuarkChainConfig): BlockEnv["schedule"] {
  return forkSchedule({
    enableEvmTimestamp: config.ENABLE_EVM_TIMESTAMP ?? null,
    enableNonReservedNativeTokenTimestamp: config.ENABLE_NON_RESERVED_NATIVE_TOKEN_TIMESTAMP ?? null,
    enableGeneralNativeTokenTimestamp: config.ENABLE_GENERAL_NATIVE_TOKEN_TIMESTAMP ?? null,
  });
}
