import { keccak_256 } from "@noble/hashes/sha3.js";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { blockCoinbaseAmount, difficultyWithParent, merkleRoot } from "../../src/backend/chain/block-rules.ts";
import { minorBlockHash, rootBlockHash } from "../../src/backend/genesis.ts";
import type { Shard } from "../../src/backend/shard.ts";
import { BLANK_ROOT } from "../../src/backend/exec/derive/mpt.ts";
import { decode, encode } from "../../src/codec/index.ts";
import type { QuarkChainConfig } from "../../src/config/cluster-config.ts";
import {
  type Address,
  type MinorBlockMeta,
  type RootBlockHeader,
  MinorBlock,
  MinorBlockMeta as MinorBlockMetaCodec,
  RootBlock,
} from "../../src/messages/core.ts";

export const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");
export const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));

/** test/backend/fixtures/chain.json, made by gen-chain.py with pyquarkchain's ShardState/RootState. */
export interface ChainFixture {
  cluster_config_json: string;
  full_shard_id: number;
  qkc_token: number;
  sender: { key: string; address: string; recipient: string };
  root_blocks: { R0: string; R1: string };
  genesis: { hash: string; hex: string };
  blocks: Array<{
    name: string;
    hash: string;
    height: number;
    hex: string;
    state_root: string;
    coinbase_amount_map: string;
    tx_count: number;
  }>;
  snapshots: Array<{
    name: string;
    tip_hash: string;
    tip_height: number;
    evm_state_root: string;
    shard_stats: string;
    account_data: Record<string, string>;
    unconfirmed: string[];
  }>;
  pool: {
    cases: Array<{ name: string; tx: string; hash: string; accepted: boolean }>;
    queue: string[];
    lookup: { hash: string; block: string; index: number };
    next_coinbase: number;
  };
  tx_lookups: Array<{ hash: string; block_hash: string; index: number }>;
  tx_not_found: string;
  single: {
    cluster_config_json: string;
    full_shard_id: number;
    root_block: string;
    genesis_hash: string;
    block: string;
    block_hash: string;
    tx: string;
    tx_hash: string;
    lookup: { block_hash: string; index: number };
    shard_stats: string;
  };
}

export function chainFixture(): ChainFixture {
  const file = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "chain.json");
  return JSON.parse(readFileSync(file, "utf8")) as ChainFixture;
}

export const fixtureBlock = (f: ChainFixture, name: string) => {
  const b = f.blocks.find((x) => x.name === name)!;
  return decode(MinorBlock, bytes(b.hex));
};
export const fixtureRoot = (f: ChainFixture, name: "R0" | "R1") => decode(RootBlock, bytes(f.root_blocks[name]));
export const snapshot = (f: ChainFixture, name: string) => f.snapshots.find((s) => s.name === name)!;

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
