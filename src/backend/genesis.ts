import {
  type QuarkChainConfig,
  type ShardConfig,
  genesisRootHeight as configGenesisRootHeight,
  fullShardIdByFullShardKey,
} from "../config/cluster-config.ts";
import { floorDiv } from "../config/fraction.ts";
import type { AccountBranchData } from "../messages/cluster.ts";
import {
  type MinorBlock,
  type MinorBlockHeader,
  type MinorBlockMeta,
  type RootBlock,
  type TokenBalanceMap,
} from "../messages/core.ts";
import { EvmState } from "./exec/derive/evm-state.ts";

/**
 * Genesis blocks and state exactly as pyquarkchain's GenesisManager builds them
 * (quarkchain/genesis.py; see the fixtures' README, "Byte-exact genesis").
 */

export class GenesisError extends Error {
  override readonly name = "GenesisError";
}

/** Minor blocks' xshard gas limit: MinorBlockMeta's constant default, not a config value. */
const EVM_XSHARD_GAS_LIMIT = 6_000_000n;
const zeros = (n: number) => new Uint8Array(n);

import { minorBlockMetaHash, rootBlockHash } from "./chain/hashes.ts";

export { minorBlockHash, minorBlockMetaHash, rootBlockHash } from "./chain/hashes.ts";

function shard(config: QuarkChainConfig, fullShardId: number): ShardConfig {
  const s = config.shards.get(fullShardId);
  if (!s) throw new GenesisError(`full shard id 0x${fullShardId.toString(16)} is not in the network config`);
  return s;
}

/** The genesis root block (create_root_block): no minor headers, zero state root, empty coinbase. */
export function genesisRootBlock(config: QuarkChainConfig): RootBlock {
  const g = config.ROOT.GENESIS;
  return {
    header: {
      version: g.VERSION,
      height: g.HEIGHT,
      hash_prev_block: g.HASH_PREV_BLOCK,
      hash_merkle_root: g.HASH_MERKLE_ROOT,
      hash_evm_state_root: zeros(32),
      coinbase_address: { recipient: zeros(20), full_shard_key: 0 },
      coinbase_amount_map: { balance_map: [] },
      create_time: g.TIMESTAMP,
      difficulty: g.DIFFICULTY,
      total_difficulty: g.DIFFICULTY,
      nonce: g.NONCE,
      extra_data: zeros(0),
      mixhash: zeros(32),
      signature: zeros(65),
    },
    minor_block_header_list: [],
    tracking_data: zeros(0),
  };
}

/**
 * The shard's genesis EVM state: its ALLOC entries applied in order (code and nonce 1, then
 * storage, then balances added up), blank accounts dropped. An account keeps the
 * full_shard_key of the entry that first touched it.
 */
export function genesisState(config: QuarkChainConfig, fullShardId: number): EvmState {
  const state = new EvmState();
  for (const entry of shard(config, fullShardId).GENESIS.ALLOC) {
    const { recipient, full_shard_key: key } = entry.address;
    if (configKeyShard(config, key) !== fullShardId) {
      throw new GenesisError(
        `ALLOC ${entry.key}: full_shard_key 0x${key.toString(16).padStart(8, "0")} is not in shard 0x${fullShardId.toString(16)}`,
      );
    }
    if (entry.code) {
      const a = state.touch(recipient, key);
      a.code = entry.code;
      a.nonce = 1n;
    }
    for (const [slot, value] of entry.storage ?? []) {
      const a = state.touch(recipient, key);
      if (value === 0n) a.storage.delete(slot);
      else a.storage.set(slot, value);
    }
    for (const { tokenId, amount } of entry.balances) {
      const a = state.touch(recipient, key);
      if (amount !== 0n) a.balances.set(tokenId, (a.balances.get(tokenId) ?? 0n) + amount);
    }
  }
  state.commit();
  return state;
}

function configKeyShard(config: QuarkChainConfig, key: number): number | undefined {
  try {
    return fullShardIdByFullShardKey(config, key);
  } catch {
    return undefined; // a chain the network does not have
  }
}

/** {GENESIS_TOKEN: COINBASE_AMOUNT × (1 − REWARD_TAX_RATE)}, floor-divided as in Python. */
export function genesisCoinbaseAmount(config: QuarkChainConfig, fullShardId: number): TokenBalanceMap {
  const r = config.REWARD_TAX_RATE;
  const local = r.denominator - r.numerator; // 1 - n/d = (d - n)/d, still in lowest terms
  const amount = floorDiv(shard(config, fullShardId).chain.COINBASE_AMOUNT * local, r.denominator);
  return { balance_map: [[config.genesisToken, amount]] };
}

/**
 * The shard's genesis minor block (create_minor_block) on `rootBlock`, the root block at the
 * shard's GENESIS.ROOT_HEIGHT. Pass the state from genesisState to avoid computing it twice.
 */
export function genesisMinorBlock(
  config: QuarkChainConfig,
  fullShardId: number,
  rootBlock: RootBlock,
  state: EvmState = genesisState(config, fullShardId),
): MinorBlock {
  const s = shard(config, fullShardId);
  const g = s.GENESIS;
  if (rootBlock.header.height !== g.ROOT_HEIGHT) {
    throw new GenesisError(
      `shard 0x${fullShardId.toString(16)} starts at root height ${g.ROOT_HEIGHT}, not ${rootBlock.header.height}`,
    );
  }
  const meta: MinorBlockMeta = {
    hash_merkle_root: g.HASH_MERKLE_ROOT,
    hash_evm_state_root: state.stateRoot(),
    hash_evm_receipt_root: zeros(32),
    evm_gas_used: 0n,
    evm_cross_shard_receive_gas_used: 0n,
    xshard_tx_cursor_info: {
      root_block_height: BigInt(rootBlock.header.height),
      minor_block_index: 0n,
      xshard_deposit_index: 0n,
    },
    evm_xshard_gas_limit: EVM_XSHARD_GAS_LIMIT,
  };
  const header: MinorBlockHeader = {
    version: g.VERSION,
    branch: { value: fullShardId },
    height: g.HEIGHT,
    // The shard's id as key, not the chain's COINBASE_ADDRESS.
    coinbase_address: { recipient: zeros(20), full_shard_key: fullShardId },
    coinbase_amount_map: genesisCoinbaseAmount(config, fullShardId),
    hash_prev_minor_block: g.HASH_PREV_MINOR_BLOCK,
    hash_prev_root_block: rootBlockHash(rootBlock.header),
    evm_gas_limit: g.GAS_LIMIT,
    hash_meta: minorBlockMetaHash(meta),
    create_time: g.TIMESTAMP,
    difficulty: g.DIFFICULTY,
    nonce: 0n, // GENESIS.NONCE is not used
    bloom: 0n,
    extra_data: g.EXTRA_DATA,
    mixhash: zeros(32),
  };
  return { header, meta, tx_list: [], tracking_data: zeros(0) };
}

/**
 * GET_ACCOUNT_DATA's entry for one shard while its tip is the genesis block
 * (SlaveServer.get_account_data with ShardState.get_mining_info).
 */
export function genesisAccountBranchData(
  config: QuarkChainConfig,
  fullShardId: number,
  state: EvmState,
  recipient: Uint8Array,
): AccountBranchData {
  const s = shard(config, fullShardId);
  const posw = s.chain.POSW_CONFIG;
  // PoSW counts coinbase recipients over WINDOW_SIZE - 1 blocks: at genesis, only the
  // genesis block's zero recipient.
  const minedByRecipient = posw.WINDOW_SIZE > 1 && recipient.every((b) => b === 0) ? 1 : 0;
  let mineable = 0;
  if (posw.ENABLED && s.GENESIS.TIMESTAMP >= posw.ENABLE_TIMESTAMP) {
    // Evaluated for the next block (height 1, create_time + 1), staking the genesis token.
    let perBlock = posw.TOTAL_STAKE_PER_BLOCK;
    const decayFrom = config.ENABLE_POSW_STAKING_DECAY_TIMESTAMP;
    if (decayFrom !== null && s.GENESIS.TIMESTAMP + 1n > decayFrom && s.chain.EPOCH_INTERVAL === 1n) {
      const f = config.BLOCK_REWARD_DECAY_FACTOR; // epoch = 1 // EPOCH_INTERVAL is 1 only then
      perBlock = floorDiv(perBlock * f.numerator, f.denominator);
    }
    if (perBlock === 0n) perBlock = posw.TOTAL_STAKE_PER_BLOCK; // Python's `stake_per_block or TOTAL_...`
    const stakes = state.balance(recipient, config.genesisToken);
    const threshold = perBlock === 0n ? 0n : stakes / perBlock;
    mineable = Number(threshold < BigInt(posw.WINDOW_SIZE) ? threshold : BigInt(posw.WINDOW_SIZE));
  }
  return {
    branch: { value: fullShardId },
    transaction_count: state.nonce(recipient),
    token_balances: state.balances(recipient),
    is_contract: state.code(recipient).length > 0,
    posw_mineable_blocks: mineable,
    mined_blocks: minedByRecipient,
  };
}

/**
 * Genesis for a whole network config, shaped as the backend's GenesisProvider: the root
 * genesis block, and each shard's genesis block and state, built once and cached.
 */
export class NetworkGenesis {
  readonly genesisToken: bigint;
  private root: RootBlock | undefined;
  private readonly states = new Map<number, EvmState>();

  constructor(readonly config: QuarkChainConfig) {
    this.genesisToken = config.genesisToken;
  }

  rootBlock(): RootBlock {
    return (this.root ??= genesisRootBlock(this.config));
  }

  /** GENESIS.ROOT_HEIGHT, or undefined when the network has no such shard. */
  genesisRootHeight(fullShardId: number): number | undefined {
    return configGenesisRootHeight(this.config, fullShardId);
  }

  /** The shard's genesis state; a copy, so the caller may change it. */
  state(fullShardId: number): EvmState {
    let s = this.states.get(fullShardId);
    if (!s) this.states.set(fullShardId, (s = genesisState(this.config, fullShardId)));
    return s.clone();
  }

  /** The shard's genesis block on `root`, the root block at its GENESIS.ROOT_HEIGHT. */
  genesisBlock(fullShardId: number, root: RootBlock): MinorBlock {
    return genesisMinorBlock(this.config, fullShardId, root, this.state(fullShardId));
  }
}
