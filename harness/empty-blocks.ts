import { keccak_256 } from "@noble/hashes/sha3.js";
import { difficultyWithParent, merkleRoot } from "../src/backend/chain/block-rules.ts";
import { runBlockEnv } from "../src/backend/exec/block-env.ts";
import { runBlock } from "../src/backend/exec/run-block.ts";
import { WorldState } from "../src/backend/state/world-state.ts";
import { minorBlockHash, rootBlockHash } from "../src/backend/genesis.ts";
import type { Shard } from "../src/backend/shard.ts";
import { encode } from "../src/codec/index.ts";
import type { QuarkChainConfig } from "../src/config/cluster-config.ts";
import {
  type Address,
  type MinorBlock,
  type MinorBlockMeta,
  type RootBlock,
  type RootBlockHeader,
  type TypedTransaction,
  MinorBlockMeta as MinorBlockMetaCodec,
} from "../src/messages/core.ts";

/*
 * Valid blocks made in-process, empty or of given transactions: the backend tests chain them,
 * the fan-out load bench and bench:exec submit them to live slaves.
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
 * An empty block on `parent` as a miner would make it (create_block_to_mine, finalize): run on
 * the parent's state as the slave runs it (the root blocks' coinbase deposits up to `root`, the
 * reward to `miner`), the meta (roots, gas, cursor), coinbase amounts and bloom from that run.
 */
export function mineEmpty(
  config: QuarkChainConfig,
  chain: Shard,
  parent: MinorBlock,
  root: RootBlockHeader,
  createTime: bigint,
  miner: Address,
): MinorBlock {
  return mineBlock(config, chain, parent, root, createTime, miner, []);
}

/** mineEmpty with `txs` in the block (run in order; the caller makes them valid). */
export function mineBlock(
  config: QuarkChainConfig,
  chain: Shard,
  parent: MinorBlock,
  root: RootBlockHeader,
  createTime: bigint,
  miner: Address,
  txs: readonly TypedTransaction[],
): MinorBlock {
  const shard = config.shards.get(chain.fullShardId)!;
  const draft: MinorBlock = {
    header: {
      version: 0,
      branch: { value: chain.fullShardId },
      height: parent.header.height + 1n,
      coinbase_address: miner,
      coinbase_amount_map: { balance_map: [] },
      hash_prev_minor_block: minorBlockHash(parent.header),
      hash_prev_root_block: rootBlockHash(root),
      evm_gas_limit: shard.GENESIS.GAS_LIMIT,
      hash_meta: new Uint8Array(32),
      create_time: createTime,
      difficulty: difficultyWithParent(shard, parent.header, createTime),
      nonce: 0n,
      bloom: 0n,
      extra_data: new Uint8Array(0),
      mixhash: new Uint8Array(32),
    },
    meta: { ...parent.meta, hash_merkle_root: merkleRoot(txs), evm_xshard_gas_limit: shard.GENESIS.GAS_LIMIT / 2n },
    tx_list: [...txs],
    tracking_data: new Uint8Array(0),
  };
  const world = WorldState.open(chain.store.stateKv, parent.meta.hash_evm_state_root);
  const run = runBlock(world, draft, runBlockEnv(config, chain.chain, draft));
  const meta: MinorBlockMeta = {
    ...draft.meta,
    hash_evm_state_root: run.commit.root,
    hash_evm_receipt_root: run.receiptRoot,
    evm_gas_used: run.gasUsed,
    evm_cross_shard_receive_gas_used: run.xshardReceiveGasUsed,
    xshard_tx_cursor_info: run.cursor,
  };
  return {
    ...draft,
    header: {
      ...draft.header,
      coinbase_amount_map: { balance_map: [...run.coinbaseAmounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) },
      hash_meta: keccak_256(encode(MinorBlockMetaCodec, meta)),
      bloom: BigInt("0x" + Buffer.from(run.bloom).toString("hex")),
    },
    meta,
  };
}
