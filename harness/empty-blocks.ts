import { keccak_256 } from "@noble/hashes/sha3.js";
import { blockCoinbaseAmount, difficultyWithParent, merkleRoot } from "../src/backend/chain/block-rules.ts";
import { minorBlockHash, rootBlockHash } from "../src/backend/genesis.ts";
import type { Shard } from "../src/backend/shard.ts";
import { BLANK_ROOT } from "../src/backend/exec/derive/mpt.ts";
import { encode } from "../src/codec/index.ts";
import type { QuarkChainConfig } from "../src/config/cluster-config.ts";
import {
  type Address,
  type MinorBlock,
  type MinorBlockMeta,
  type RootBlock,
  type RootBlockHeader,
  MinorBlockMeta as MinorBlockMetaCodec,
} from "../src/messages/core.ts";

/*
 * Valid blocks that carry nothing, made in-process: the backend tests chain them, and the
 * fan-out load bench submits them to live slaves.
 */

/**
 * The root block after `prev` that confirms no minor block (the slave checks no seal): blocks
 * on it fan out to every shard initialized before it (PROTOCOL.md §7.9).
 */
export function nextRootBlock(prev: RootBlock): RootBlock {
  const p = prev.header;
  return {
    header: {
      ...p,
      height: p.height + 1,
      hash_prev_block: rootBlockHash(p),
      create_time: p.create_time + 10n,
      total_difficulty: p.total_difficulty + p.difficulty,
    },
    minor_block_header_list: [],
    tracking_data: new Uint8Array(0),
  };
}

/**
 * An empty block on `parent` as a miner would make it: reward to `miner` (an account it
 * creates gets `newAccountKey`), the state root from the chain's own state, valid header fields.
 * On the parent's root block only: a block that reaches a new root block also runs that root
 * block's coinbase deposit, whose receipt this cannot make.
 */
export function mineEmpty(
  config: QuarkChainConfig,
  chain: Shard,
  parent: MinorBlock,
  root: RootBlockHeader,
  createTime: bigint,
  miner: Address,
  newAccountKey = root.coinbase_address.full_shard_key,
): MinorBlock {
  const shard = config.shards.get(chain.fullShardId)!;
  const height = parent.header.height + 1n;
  const state = chain.tryStateAfter(minorBlockHash(parent.header))!.clone();
  const reward = blockCoinbaseAmount(config, shard, height);
  const account = state.touch(miner.recipient, newAccountKey);
  const [[token, amount]] = reward.balance_map as [[bigint, bigint]];
  account.balances.set(token, (account.balances.get(token) ?? 0n) + amount);
  state.commit();
  const meta: MinorBlockMeta = {
    hash_merkle_root: merkleRoot([]),
    hash_evm_state_root: state.stateRoot(),
    hash_evm_receipt_root: BLANK_ROOT, // no receipts (pyquarkchain checks it; the backend does not)
    evm_gas_used: 0n,
    evm_cross_shard_receive_gas_used: 0n,
    xshard_tx_cursor_info: {
      root_block_height: BigInt(root.height) + 1n,
      minor_block_index: 0n,
      xshard_deposit_index: 0n,
    },
    evm_xshard_gas_limit: shard.GENESIS.GAS_LIMIT / 2n,
  };
  return {
    header: {
      version: 0,
      branch: { value: chain.fullShardId },
      height,
      coinbase_address: miner,
      coinbase_amount_map: reward,
      hash_prev_minor_block: minorBlockHash(parent.header),
      hash_prev_root_block: rootBlockHash(root),
      evm_gas_limit: shard.GENESIS.GAS_LIMIT,
      hash_meta: keccak_256(encode(MinorBlockMetaCodec, meta)),
      create_time: createTime,
      difficulty: difficultyWithParent(shard, parent.header, createTime),
      nonce: 0n,
      bloom: 0n,
      extra_data: new Uint8Array(0),
      mixhash: new Uint8Array(32),
    },
    meta,
    tx_list: [],
    tracking_data: new Uint8Array(0),
  };
}
