import { encode } from "../../codec/index.ts";
import { hex, sameBytes } from "../../codec/bytes.ts";
import {
  type QuarkChainConfig,
  type ShardConfig,
  initializedFullShardIdsBeforeRootHeight,
} from "../../config/cluster-config.ts";
import {
  type MinorBlock,
  type MinorBlockHeader,
  type RootBlock,
  type RootBlockHeader,
  MinorBlockMeta as MinorBlockMetaCodec,
} from "../../messages/core.ts";
import { keccak256 } from "../../crypto/keccak.ts";
import {
  ALLOWED_FUTURE_BLOCKS_TIME,
  ValidationError,
  difficultyWithParent,
  isInBranch,
  isNeighbor,
  maxBlocksInOneRootBlock,
  maxStaleHeightDiff,
  merkleRoot,
} from "./block-rules.ts";
import type { ChainStore } from "./chain-store.ts";
import { minorBlockHash } from "./hashes.ts";
import { type SealChainView, validateMinorBlockSeal } from "./seal-check.ts";

/**
 * ShardState's validation of a minor block and of a root block, against one shard's chain
 * (quarkchain/cluster/shard_state.py: validate_block, add_root_block's checks). Each rule
 * that fails throws a ValidationError with pyquarkchain's message.
 */

/** What the rules read of a shard's chain (ShardChain). */
export interface ChainView extends SealChainView {
  readonly fullShardId: number;
  readonly shard: ShardConfig;
  readonly store: ChainStore;
  readonly headerTip: MinorBlockHeader;
  header(hash: Uint8Array): MinorBlockHeader | undefined;
  rootHeader(hash: Uint8Array): RootBlockHeader | undefined;
  isSameMinorChain(longer: MinorBlockHeader, shorter: MinorBlockHeader): boolean;
  isSameRootChain(longer: RootBlockHeader, shorter: RootBlockHeader): boolean;
}

export interface ValidateOptions {
  /** Refuse a block more than max_stale_minor_block_height_diff below the tip (default false). */
  refuseTooOld?: boolean;
  /** The create_time checks against the clock and the parent (default true). */
  validateTime?: boolean;
}

/**
 * validate_block without the EVM: version, height and parent link, branch, time, meta hash,
 * extra and tracking data sizes, gas limits, merkle root, coinbase shard, difficulty, the
 * root block reference and its chain, and the seal (seal-check.ts: PoSW-adjusted, every consensus type).
 */
export function validateBlock(
  config: QuarkChainConfig,
  now: () => bigint,
  chain: ChainView,
  block: MinorBlock,
  opts: ValidateOptions = {},
): void {
  const h = block.header;
  const validateTime = opts.validateTime ?? true;
  const maxStale = maxStaleHeightDiff(config, chain.shard);
  if (opts.refuseTooOld && maxStale !== undefined && chain.headerTip.height - h.height > maxStale)
    throw new ValidationError(`block is too old ${h.height} << ${chain.headerTip.height}`);
  if (h.version !== 0) throw new ValidationError("incorrect minor block version");
  if (h.height < 1n) throw new ValidationError("unexpected height");
  const prev = chain.header(h.hash_prev_minor_block);
  if (!prev) throw new ValidationError(`prev block not found, block height ${h.height}`);
  if (h.height !== prev.height + 1n) throw new ValidationError("height mismatch");
  if (h.branch.value !== chain.fullShardId) throw new ValidationError("branch mismatch");
  if (validateTime && h.create_time > now() + ALLOWED_FUTURE_BLOCKS_TIME)
    throw new ValidationError("block too far into future");
  if (validateTime && h.create_time <= prev.create_time) throw new ValidationError("incorrect create time");
  if (!sameBytes(h.hash_meta, keccak256(encode(MinorBlockMetaCodec, block.meta))))
    throw new ValidationError("hash of meta mismatch");
  if (h.extra_data.length > config.BLOCK_EXTRA_DATA_SIZE_LIMIT)
    throw new ValidationError("extra_data in block is too large");
  if (block.tracking_data.length > config.BLOCK_EXTRA_DATA_SIZE_LIMIT)
    throw new ValidationError("tracking_data in block is too large");
  const gasLimit = chain.shard.GENESIS.GAS_LIMIT;
  if (h.evm_gas_limit !== gasLimit) throw new ValidationError(`incorrect gas limit, expected ${gasLimit}`);
  if (block.meta.evm_xshard_gas_limit >= h.evm_gas_limit)
    throw new ValidationError("xshard_gas_limit should not exceed total gas_limit");
  if (block.meta.evm_xshard_gas_limit !== gasLimit / 2n) throw new ValidationError("incorrect xshard gas limit");
  if (!sameBytes(merkleRoot(block.tx_list), block.meta.hash_merkle_root))
    throw new ValidationError("incorrect merkle root");
  if (!isInBranch(chain.fullShardId, h.coinbase_address.full_shard_key))
    throw new ValidationError("coinbase output address must be in the shard");
  if (!config.SKIP_MINOR_DIFFICULTY_CHECK && difficultyWithParent(chain.shard, prev, h.create_time) !== h.difficulty)
    throw new ValidationError("incorrect difficulty");
  const root = chain.rootHeader(h.hash_prev_root_block);
  if (!root) throw new ValidationError("cannot find root block for the minor block");
  const prevRoot = chain.rootHeader(prev.hash_prev_root_block);
  if (!prevRoot || root.height < prevRoot.height)
    throw new ValidationError("prev root block height must be non-decreasing");
  const confirmedHash = chain.store.lastConfirmedAt(h.hash_prev_root_block);
  const confirmed = confirmedHash ? chain.header(confirmedHash) : undefined;
  if (confirmed && !chain.isSameMinorChain(prev, confirmed))
    throw new ValidationError("prev root block's minor block is not in the same chain as the minor block");
  if (!chain.isSameRootChain(root, prevRoot)) throw new ValidationError("prev root blocks are not on the same chain");
  if (!config.DISABLE_POW_CHECK) validateMinorBlockSeal(config, chain, block);
}

/**
 * add_root_block's checks (root height above the genesis root height): the root block must
 * follow a known one and confirm only known local blocks, with the neighbours' deposits
 * present. The last block of this shard it confirms (its own, else its parent's).
 */
export function validateRootBlock(
  config: QuarkChainConfig,
  chain: ChainView,
  root: RootBlock,
): MinorBlockHeader | undefined {
  if (root.header.version !== 0) throw new ValidationError("incorrect root block version");
  if (!chain.store.hasRootBlock(root.header.hash_prev_block))
    throw new ValidationError("cannot find previous root block in pool");
  const shardHeaders: MinorBlockHeader[] = [];
  for (const m of root.minor_block_header_list) {
    const hash = minorBlockHash(m);
    if (m.branch.value === chain.fullShardId) {
      if (!chain.store.hasMinorBlock(hash)) throw new ValidationError("cannot find minor block in local shard");
      shardHeaders.push(m);
      continue;
    }
    const prevRoot = chain.rootHeader(m.hash_prev_root_block);
    const count = prevRoot && initializedFullShardIdsBeforeRootHeight(config, prevRoot.height).length;
    if (
      !prevRoot ||
      prevRoot.height === chain.shard.GENESIS.ROOT_HEIGHT ||
      !isNeighbor(chain.fullShardId, m.branch.value, count!)
    ) {
      if (chain.store.hasXshardTxList(hash))
        throw new ValidationError(`minor block ${hex(hash)} should not have been broadcast to this shard`);
      continue;
    }
    if (!chain.store.hasXshardTxList(hash))
      throw new ValidationError(`cannot find x_shard tx list for ${m.branch.value}-${m.height} ${hex(hash)}`);
  }
  if (shardHeaders.length > maxBlocksInOneRootBlock(config, chain.shard))
    throw new ValidationError("too many minor blocks in the root block for this shard");
  const lastInPrevHash = chain.store.lastConfirmedAt(root.header.hash_prev_block);
  const lastInPrev = lastInPrevHash ? chain.header(lastInPrevHash) : undefined;
  let shardHeader: MinorBlockHeader | undefined;
  if (shardHeaders.length > 0) {
    const first = shardHeaders[0]!;
    if (!(first.height === 0n || (lastInPrev && sameBytes(first.hash_prev_minor_block, minorBlockHash(lastInPrev)))))
      throw new ValidationError("the root block's first minor block does not follow the last one confirmed");
    shardHeader = shardHeaders[shardHeaders.length - 1]!;
  } else {
    shardHeader = lastInPrev;
  }
  return shardHeader;
}
