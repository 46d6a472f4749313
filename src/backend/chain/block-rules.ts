import { sha256 } from "@noble/hashes/sha2.js";
import { keccak256, keccak256Of, keccak256To } from "../../crypto/keccak.ts";
import { encode } from "../../codec/index.ts";
import {
  type QuarkChainConfig,
  type ShardConfig,
  initializedFullShardIdsBeforeRootHeight,
} from "../../config/cluster-config.ts";
import {
  type MinorBlockHeader,
  type TokenBalanceMap,
  type TypedTransaction,
  MinorBlockHeader as MinorBlockHeaderCodec,
  rememberTypedTransactionHash,
  typedTransactionHash,
} from "../../messages/core.ts";
import { txHashesAhead } from "../../tx/senders.ts";

/**
 * Consensus rules of pyquarkchain that need no EVM: the ones ShardState.validate_block,
 * run_block and the difficulty, reward and neighbour helpers apply (quarkchain/cluster/
 * shard_state.py, core.py, diff.py, neighbor.py, cluster/miner.py validate_seal).
 */

/** A block or root block refused by a consensus rule (pyquarkchain's ValueError). */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
}

/** ALLOWED_FUTURE_BLOCKS_TIME_VALIDATION / _BROADCAST (quarkchain/constants.py). */
export const ALLOWED_FUTURE_BLOCKS_TIME = 15n;

/** calculate_merkle_root: an SSZ-style keccak tree of the serialized transactions, then their count. */
export function merkleRoot(txs: readonly TypedTransaction[]): Uint8Array {
  // A leaf is keccak(serialize(tx)): the transaction's hash, memoized with the decoded tx (run_block,
  // the receipts and the tx index ask it again); a sender thread hashes a posted block's meanwhile.
  const hashes = txs.length === 0 ? [new Uint8Array(32)] : leaves(txs);
  // Each level hashed in place in one buffer (pair i/2 over pairs i, i+1: its inputs are read
  // first), with room for the zero leaf an odd level is padded with: no array per node.
  let n = hashes.length;
  const tree = new Uint8Array(32 * (n + 1));
  for (let i = 0; i < n; i++) tree.set(hashes[i]!, 32 * i);
  let zero: Uint8Array = new Uint8Array(32);
  while (n !== 1) {
    if (n % 2 !== 0) tree.set(zero, 32 * n++);
    for (let i = 0; i < n; i += 2) keccak256To(tree, 16 * i, tree.subarray(32 * i, 32 * i + 64));
    n /= 2;
    zero = keccak256Of(zero, zero);
  }
  const count = new Uint8Array(8);
  new DataView(count.buffer).setBigUint64(0, BigInt(txs.length));
  return keccak256Of(tree.subarray(0, 32), count);
}

function leaves(txs: readonly TypedTransaction[]): Uint8Array[] {
  const hashes = txHashesAhead(txs, (i) => typedTransactionHash(txs[i]!));
  if (hashes === undefined) return txs.map(typedTransactionHash);
  hashes.forEach((hash, i) => rememberTypedTransactionHash(txs[i]!, hash));
  return hashes;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** get_hash_for_mining: keccak of the header serialized without nonce and mixhash. */
export function minorHashForMining(header: MinorBlockHeader): Uint8Array {
  const full = encode(MinorBlockHeaderCodec, header);
  // The tail is nonce(8) bloom(256) extra_data(2 + n) mixhash(32).
  const mixAt = full.length - 32;
  const bloomAt = mixAt - (2 + header.extra_data.length) - 256;
  return keccak256(concat(full.subarray(0, bloomAt - 8), full.subarray(bloomAt, mixAt)));
}

/** validate_seal's POW_DOUBLESHA256 branch: sha256(sha256(hash_for_mining ‖ nonce)) below 2^256 // diff − 1. */
export function checkDoubleSha256(header: MinorBlockHeader, difficulty: bigint): void {
  const target = (1n << 256n) / (difficulty === 0n ? 1n : difficulty) - 1n;
  const nonce = new Uint8Array(8);
  new DataView(nonce.buffer).setBigUint64(0, header.nonce);
  const h = sha256(sha256(concat(minorHashForMining(header), nonce)));
  if (!(BigInt("0x" + Buffer.from(h).toString("hex")) < target)) throw new ValidationError("invalid pow proof");
}

/** EthDifficultyCalculator.calculate_diff_with_parent with the shard's cutoff, factor and minimum. */
export function difficultyWithParent(shard: ShardConfig, parent: MinorBlockHeader, createTime: bigint): bigint {
  const cutoff = BigInt(shard.chain.DIFFICULTY_ADJUSTMENT_CUTOFF_TIME);
  const factor = BigInt(shard.chain.DIFFICULTY_ADJUSTMENT_FACTOR);
  let sign = 1n - pyFloorDiv(createTime - parent.create_time, cutoff);
  if (sign < -99n) sign = -99n;
  const d = parent.difficulty + (parent.difficulty / factor) * sign;
  return d > shard.GENESIS.DIFFICULTY ? d : shard.GENESIS.DIFFICULTY;
}

function pyFloorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** __decay_by_epoch: value × factor^(height // EPOCH_INTERVAL), floored. */
export function decayByEpoch(config: QuarkChainConfig, shard: ShardConfig, value: bigint, height: bigint): bigint {
  const epoch = height / shard.chain.EPOCH_INTERVAL;
  const f = config.BLOCK_REWARD_DECAY_FACTOR;
  return (value * f.numerator ** epoch) / f.denominator ** epoch;
}

/** get_coinbase_amount_map: the block reward after tax, in the genesis token only. */
export function blockCoinbaseAmount(config: QuarkChainConfig, shard: ShardConfig, height: bigint): TokenBalanceMap {
  const r = config.REWARD_TAX_RATE;
  const amount =
    (decayByEpoch(config, shard, shard.chain.COINBASE_AMOUNT, height) * (r.denominator - r.numerator)) / r.denominator;
  return { balance_map: [[config.genesisToken, amount]] };
}

/** Branch.is_in_branch: the key's chain and, in that chain's shard size, its shard. */
export function isInBranch(fullShardId: number, fullShardKey: number): boolean {
  const chainId = fullShardId >>> 16;
  if (fullShardKey >>> 16 !== chainId) return false;
  const low = fullShardId & 0xffff;
  const size = 1 << (31 - Math.clz32(low));
  return (fullShardKey & 0xffff & (size - 1)) === (low ^ size);
}

const isPowerOf2 = (v: number) => v > 0 && (v & (v - 1)) === 0;

/** neighbor.is_neighbor: everyone while there are at most 32 shards, else a power-of-2 distance on one axis. */
export function isNeighbor(a: number, b: number, shardCount: number): boolean {
  if (shardCount <= 32) return true;
  const chainA = a >>> 16;
  const chainB = b >>> 16;
  const shardOf = (id: number) => {
    const low = id & 0xffff;
    return low ^ (1 << (31 - Math.clz32(low)));
  };
  if (chainA === chainB) return isPowerOf2(Math.abs(shardOf(a) - shardOf(b)));
  if (shardOf(a) === shardOf(b)) return isPowerOf2(Math.abs(chainA - chainB));
  return false;
}

/** max_stale_minor_block_height_diff: int(MAX_STALE_ROOT_BLOCK_HEIGHT_DIFF × root / shard block time). */
export function maxStaleHeightDiff(config: QuarkChainConfig, shard: ShardConfig): bigint | undefined {
  const root = config.ROOT.CONSENSUS_CONFIG?.TARGET_BLOCK_TIME;
  const own = shard.chain.CONSENSUS_CONFIG?.TARGET_BLOCK_TIME;
  if (!root || !own) return undefined;
  return BigInt(Math.trunc((config.ROOT.MAX_STALE_ROOT_BLOCK_HEIGHT_DIFF * Number(root)) / Number(own)));
}

/**
 * max_blocks_per_shard_in_one_root_block: int(root / shard TARGET_BLOCK_TIME) + EXTRA_SHARD_BLOCKS_IN_ROOT_BLOCK,
 * the cap on the unconfirmed headers a slave reports. Without a PoW CONSENSUS_CONFIG on both
 * sides pyquarkchain fails here too.
 */
export function maxBlocksInOneRootBlock(config: QuarkChainConfig, shard: ShardConfig): number {
  const root = config.ROOT.CONSENSUS_CONFIG;
  const own = shard.chain.CONSENSUS_CONFIG;
  if (!root || !own || !(own.TARGET_BLOCK_TIME > 0))
    throw new Error(`shard 0x${shard.fullShardId.toString(16)}: no TARGET_BLOCK_TIME ratio to cap unconfirmed headers`);
  return Math.trunc(root.TARGET_BLOCK_TIME / own.TARGET_BLOCK_TIME) + shard.chain.EXTRA_SHARD_BLOCKS_IN_ROOT_BLOCK;
}

/**
 * The shards a block's cross-shard lists go to (broadcast_xshard_tx_list's neighbours):
 * those initialized before its root block, neighbours of `source`, not `source` itself.
 */
export function xshardTargets(config: QuarkChainConfig, source: number, prevRootHeight: number): number[] {
  const initialized = initializedFullShardIdsBeforeRootHeight(config, prevRootHeight);
  return initialized.filter((t) => t !== source && isNeighbor(source, t, initialized.length));
}
