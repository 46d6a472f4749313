import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { tokenIdEncode } from "../../config/token.ts";
import type { BlockEnv } from "../../evm/env.ts";
import type { ShardChain } from "../chain/shard-chain.ts";
import type { WorldState } from "../state/world-state.ts";
import { configSchedule, execRules, prevHashesFrom, shardTxRules } from "./block-env.ts";
import { type ExecState, newExecState } from "./exec-state.ts";
import type { ShardTxRules } from "./validate-shard-tx.ts";

/**
 * How the shard came by ShardState.evm_state, the state add_tx validates against: add_block's
 * run_block of the tip (`ran`), or __create_evm_state at the tip's root (init_genesis_state:
 * timestamp 0; init_from_root_block and add_root_block's tip reset: time.time()), which keeps
 * State's defaults for everything else (gas_limit 3141592, block_number 0, ...).
 */
export type TipStateOrigin = { readonly ran: true } | { readonly ran: false; readonly timestamp: bigint };

/** evm/state.py STATE_DEFAULTS: a state __create_evm_state made has these. */
const DEFAULT_GAS_LIMIT = 3141592n;
const ZERO_ADDRESS = new Uint8Array(20);
const QKC = tokenIdEncode("QKC");

/**
 * ShardState.evm_state.ephemeral_clone() with gas_used = 0 (add_tx): `world` (the state at the
 * tip's root, never committed) with the block fields the tip's state carries. After run_block
 * those are the tip's (its time, height, coinbase, difficulty, and the in-shard gas limit as
 * run_block left it: lowered by the xshard gas the deposits did not use). The PoSW disallow map
 * is left empty: the only message add_tx runs is the gas-token manager calling itself.
 */
export function tipExecState(
  config: QuarkChainConfig,
  chain: ShardChain,
  world: WorldState,
  origin: TipStateOrigin,
): ExecState {
  const tip = chain.tip;
  const { header, meta } = tip;
  let gasLimit = DEFAULT_GAS_LIMIT;
  if (origin.ran) {
    gasLimit = header.evm_gas_limit;
    const unusedXshard = meta.evm_xshard_gas_limit - meta.evm_cross_shard_receive_gas_used;
    if (unusedXshard > 0n) gasLimit -= unusedXshard;
  }
  let prevHashes: readonly Uint8Array[] | undefined;
  const block: BlockEnv = {
    // Walked only if the gas-token manager reads BLOCKHASH: add_tx runs once per transaction of a list.
    get prevHashes() {
      return (prevHashes ??= prevHashesFrom(chain, header));
    },
    coinbase: origin.ran ? header.coinbase_address.recipient : ZERO_ADDRESS,
    timestamp: origin.ran ? header.create_time : origin.timestamp,
    number: origin.ran ? header.height : 0n,
    difficulty: origin.ran ? header.difficulty : 1n,
    gasLimit,
    // ephemeral_clone builds a new State, whose shard_config is ShardConfig(ChainConfig()): the
    // default chain token the clone sees is ChainConfig's "QKC", whatever the chain's is.
    defaultChainToken: QKC,
    senderDisallowMap: new Map(),
    schedule: configSchedule(config),
  };
  return newExecState(world, block, execRules(config), gasLimit);
}

/** __validate_tx's rules for add_tx: the cross-shard gas limit is get_xshard_gas_limit(), the shard's gas limit / 2. */
export function poolTxRules(config: QuarkChainConfig, chain: ShardChain): ShardTxRules {
  return shardTxRules(config, chain, chain.shard.GENESIS.GAS_LIMIT / 2n);
}
