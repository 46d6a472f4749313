import type { Address } from "./world.ts";

/**
 * When QuarkChain's specials and system contracts switch on (quarkchain/env.py rewrites specials.py's
 * tables from the cluster config). A special at 0x…514b4300NN runs when the block timestamp is strictly
 * greater than its entry (messages.py:_apply_msg); a system contract deploys when the timestamp is not
 * below its entry (specials.py:proc_deploy_system_contract). The Ethereum precompiles 0x1–0x8 are fixed at 0.
 */
export interface ForkSchedule {
  /** By NN − 1: current_mnt_id, transfer_mnt, deploy_system_contract, mint_mnt, balance_mnt. */
  readonly specials: readonly [bigint, bigint, bigint, bigint, bigint];
  /** By index − 1: ROOT_CHAIN_POSW, NON_RESERVED_NATIVE_TOKEN, GENERAL_NATIVE_TOKEN. */
  readonly systemContracts: readonly [bigint, bigint, bigint];
}

/** specials.py's "never" (its tables' default for what a config has not switched on). */
export const NEVER = 99999999999999999999n;

/**
 * The schedule a cluster config gives (env.py:Env.cluster_config). `null` is the config's null: the EVM
 * switch then leaves 01–03 at 0, and the two token switches leave their entries at NEVER. Mainnet's
 * defaults for a null token switch are the config layer's business, not this function's.
 */
export function forkSchedule(switches: {
  enableEvmTimestamp: bigint | null;
  enableNonReservedNativeTokenTimestamp: bigint | null;
  enableGeneralNativeTokenTimestamp: bigint | null;
}): ForkSchedule {
  const evm = switches.enableEvmTimestamp ?? 0n;
  const mnt = switches.enableNonReservedNativeTokenTimestamp ?? NEVER;
  const general = switches.enableGeneralNativeTokenTimestamp ?? NEVER;
  return { specials: [evm, evm, evm, mnt, mnt], systemContracts: [0n, mnt, general] };
}

/** What the block gives every frame (pyquarkchain's `State` fields that `VMExt` copies). */
export interface BlockEnv {
  /** COINBASE: the coinbase recipient. */
  readonly coinbase: Address;
  /** TIMESTAMP: the header's create_time; also the specials' activation clock. */
  readonly timestamp: bigint;
  /** NUMBER: the height. */
  readonly number: bigint;
  /** DIFFICULTY. */
  readonly difficulty: bigint;
  /** GASLIMIT: `state.gas_limit`, the *adjusted* in-shard limit for block transactions (EXECUTION.md §1). */
  readonly gasLimit: bigint;
  /** `state.prev_headers` hashes, parent first, at most 256 (BLOCKHASH, State.get_block_hash). */
  readonly prevHashes: readonly Uint8Array[];
  /** The shard's default chain token: BALANCE, SELFDESTRUCT, CALL's balance check, CREATE's token gate. */
  readonly defaultChainToken: bigint;
  /** PoSW: sender (lowercase hex, no 0x) → locked amount in the default token (`state.sender_disallow_map`). */
  readonly senderDisallowMap: ReadonlyMap<string, bigint>;
  readonly schedule: ForkSchedule;
}

/** What one `VMExt` adds: messages.py builds one per transaction (and one per gas-token contract call). */
export interface TxEnv {
  /** ORIGIN, and `ext.tx_origin` (CREATE bumps the sender's nonce only when sender != origin). */
  readonly origin: Address;
  /** GASPRICE: the converted (genesis-token) price. */
  readonly gasPrice: bigint;
  /** `state.full_shard_key >> 16` when the VMExt was built: mint_mnt and LOCAL_CHAIN_0 contracts need chain 0. */
  readonly chainId: number;
}
