import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { tokenIdEncode } from "../../config/token.ts";
import type { BlockEnv } from "../../evm/env.ts";
import type { WorldState } from "../state/world-state.ts";
import type { ShardChain } from "../chain/shard-chain.ts";
import { configSchedule, execRules, prevHashesFrom, senderDisallowMap, shardTxRules } from "./block-env.ts";
import { type ExecState, newExecState } from "./exec-state.ts";
import type { ShardTxRules } from "./validate-shard-tx.ts";

/**
 * How the shard came by ShardState.evm_state, the state after the tip that add_tx validates
 * against and execute_tx / estimate_gas run on: add_block's run_block of the tip (`ran`),
 * init_genesis_state's __create_evm_state (`genesis`: timestamp 0, no disallow map), or a
 * __create_evm_state at the tip's root by init_from_root_block or add_root_block's tip reset
 * (`created`: time.time()). A created state keeps State's defaults for the rest (gas_limit
 * 3141592, block_number 0, ...).
 */
export type TipStateOrigin =
  { readonly how: "ran" } | { readonly how: "genesis" } | { readonly how: "created"; readonly timestamp: bigint };

/** evm/state.py STATE_DEFAULTS: a state __create_evm_state made has these. */
const DEFAULT_GAS_LIMIT = 3141592n;
const DEFAULT_DIFFICULTY = 1n;
const ZERO_ADDRESS = new Uint8Array(20);
const QKC = tokenIdEncode("QKC");

/**
 * The block context of ShardState.evm_state as its ephemeral_clone() sees it, for the chain's tip
 * reached by `origin`. After run_block: the tip's time, height, coinbase, difficulty, and the
 * in-shard gas limit as run_block left it (lowered by the xshard gas the deposits did not use).
 * The prev headers are the tip and its ancestors either way (add_block_header; __create_evm_state
 * walks them from the tip).
 */
export function tipBlockEnv(config: QuarkChainConfig, chain: ShardChain, origin: TipStateOrigin): BlockEnv {
  const { header, meta } = chain.tip;
  const ran = origin.how === "ran";
  let gasLimit = DEFAULT_GAS_LIMIT;
  if (ran) {
    gasLimit = header.evm_gas_limit;
    const unusedXshard = meta.evm_xshard_gas_limit - meta.evm_cross_shard_receive_gas_used;
    if (unusedXshard > 0n) gasLimit -= unusedXshard;
  }
  let prevHashes: readonly Uint8Array[] | undefined;
  return {
    // Walked only if a run reads BLOCKHASH: add_tx builds this once per transaction of a list.
    get prevHashes() {
      return (prevHashes ??= prevHashesFrom(chain, header));
    },
    coinbase: ran ? header.coinbase_address.recipient : ZERO_ADDRESS,
    timestamp: ran ? header.create_time : origin.how === "created" ? origin.timestamp : 0n,
    number: ran ? header.height : 0n,
    difficulty: ran ? header.difficulty : DEFAULT_DIFFICULTY,
    gasLimit,
    // ephemeral_clone builds a new State, whose shard_config is ShardConfig(ChainConfig()): the
    // default chain token the clone sees is ChainConfig's "QKC", whatever the chain's is.
    defaultChainToken: QKC,
    // ephemeral_clone keeps the tip state's sender_disallow_map, which is
    // _get_sender_disallow_map(tip) without a recipient: the window up to the tip, not the tip's
    // own run_block map (add_block's update_tip, init_from_root_block, add_root_block's reset);
    // init_genesis_state's is empty.
    senderDisallowMap: origin.how === "genesis" ? new Map() : senderDisallowMap(chain, header),
    schedule: configSchedule(config),
  };
}

/** ShardState.evm_state.ephemeral_clone() with gas_used = 0 (add_tx): `world` at the tip's root, never committed, in `block`. */
export function tipExecState(config: QuarkChainConfig, world: WorldState, block: BlockEnv): ExecState {
  return newExecState(world, block, execRules(config), block.gasLimit);
}

/** __validate_tx's rules for add_tx: the cross-shard gas limit is get_xshard_gas_limit(), the shard's gas limit / 2. */
export function poolTxRules(config: QuarkChainConfig, chain: ShardChain): ShardTxRules {
  return shardTxRules(config, chain, chain.shard.GENESIS.GAS_LIMIT / 2n);
}
