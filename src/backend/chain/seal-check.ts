import { hex } from "../../codec/bytes.ts";
import type { QuarkChainConfig, ShardConfig } from "../../config/cluster-config.ts";
import { type PowAlgorithm, checkPow } from "../../consensus/seal.ts";
import type { MinorBlock, MinorBlockHeader } from "../../messages/core.ts";
import { ValidationError, checkDoubleSha256, minorHashForMining } from "./block-rules.ts";
import { diffDivider, poswThreshold } from "./posw.ts";

/**
 * ShardState.validate_minor_block_seal: validate_seal (cluster/miner.py) with the difficulty
 * PoSW adjusts (posw_diff_adjust), QKCHASHX from ENABLE_QKCHASHX_HEIGHT on. Throws
 * ValidationError("invalid pow proof") as pyquarkchain raises it.
 */

/** What the seal check reads of a shard's chain. */
export interface SealChainView {
  readonly shard: ShardConfig;
  header(hash: Uint8Array): MinorBlockHeader | undefined;
  /** A genesis-token balance in the state after a stored block; undefined when that state is not here. */
  balanceAfter(blockHash: Uint8Array, recipient: Uint8Array, tokenId: bigint): bigint | undefined;
}

/** The pow function of a shard's CONSENSUS_TYPE at `height`, or undefined where it has none of ethash/qkchash. */
export function powAlgorithm(config: QuarkChainConfig, shard: ShardConfig, height: bigint): PowAlgorithm | undefined {
  switch (shard.chain.CONSENSUS_TYPE) {
    case "POW_ETHASH":
      return "ETHASH";
    case "POW_QKCHASH": {
      // shard_state.py _qkchashx_enabled
      const from = config.ENABLE_QKCHASHX_HEIGHT;
      return from !== null && height >= from ? "QKCHASHX" : "QKCHASH";
    }
    default:
      return undefined;
  }
}

export function validateMinorBlockSeal(config: QuarkChainConfig, chain: SealChainView, block: MinorBlock): void {
  // NONE and POW_SIMULATE have no seal: the PoSW difficulty (pyquarkchain computes it first) is not read.
  if (!hasSeal(chain.shard)) return;
  validateSeal(config, chain.shard, block.header, poswDifficulty(config, chain, block) ?? block.header.difficulty);
}

/**
 * The seal check of SyncTask.__validate_block_headers (shard.py): a header alone, no state, so
 * validate_seal with the difficulty divided by get_diff_divider whenever PoSW is ENABLED
 * ("PoSW may lower diff, so checks here are necessary but not sufficient"; add_block does the
 * rest). Like pyquarkchain it does not read DISABLE_POW_CHECK. Throws ValidationError.
 */
export function validateHeaderSeal(config: QuarkChainConfig, shard: ShardConfig, header: MinorBlockHeader): void {
  if (!hasSeal(shard)) return;
  const posw = shard.chain.POSW_CONFIG;
  const diff = posw.ENABLED ? header.difficulty / diffDivider(shard, header.create_time) : header.difficulty;
  validateSeal(config, shard, header, diff);
}

const hasSeal = (shard: ShardConfig) =>
  shard.chain.CONSENSUS_TYPE !== "NONE" && shard.chain.CONSENSUS_TYPE !== "POW_SIMULATE";

/** validate_seal (cluster/miner.py) at difficulty `diff`, for a shard whose consensus has a seal. */
function validateSeal(config: QuarkChainConfig, shard: ShardConfig, h: MinorBlockHeader, diff: bigint): void {
  if (shard.chain.CONSENSUS_TYPE === "POW_DOUBLESHA256") return checkDoubleSha256(h, diff);
  const algorithm = powAlgorithm(config, shard, h.height)!;
  if (!checkPow(algorithm, h.height, minorHashForMining(h), h.mixhash, h.nonce, diff))
    throw new ValidationError("invalid pow proof");
}

/**
 * posw_diff_adjust (_posw_info's effective_difficulty): undefined at the genesis or where PoSW
 * is off at the block's time; else the difficulty divided by get_diff_divider when the
 * coinbase recipient, with its stake in the state after the parent, mined fewer blocks of the
 * window (get_posw_coinbase_blockcnt from the parent) than that stake allows.
 */
export function poswDifficulty(config: QuarkChainConfig, chain: SealChainView, block: MinorBlock): bigint | undefined {
  const h = block.header;
  const posw = chain.shard.chain.POSW_CONFIG;
  if (h.height === 0n || !posw.ENABLED || h.create_time < posw.ENABLE_TIMESTAMP) return undefined;
  const recipient = h.coinbase_address.recipient;
  const stakes = chain.balanceAfter(h.hash_prev_minor_block, recipient, config.genesisToken);
  if (stakes === undefined) throw new ValidationError("the parent's state is not known here");
  const threshold = poswThreshold(config, chain.shard, stakes, h.height, h.create_time);
  if (threshold === 0) return h.difficulty;
  const mined = minedInWindow(chain, h.hash_prev_minor_block, posw.WINDOW_SIZE, hex(recipient));
  return mined < threshold ? h.difficulty / diffDivider(chain.shard, h.create_time) : h.difficulty;
}

/** get_posw_coinbase_blockcnt's count for one recipient: WINDOW_SIZE − 1 headers back from `from`, the genesis last. */
function minedInWindow(chain: SealChainView, from: Uint8Array, windowSize: number, recipient: string): number {
  let mined = 0;
  let header = chain.header(from);
  if (!header) throw new ValidationError(`curr block not found: hash ${hex(from)}`);
  for (let i = 0; i < windowSize - 1; i++) {
    if (hex(header.coinbase_address.recipient) === recipient) mined++;
    if (header.height === 0n) break;
    header = chain.header(header.hash_prev_minor_block);
    if (!header) throw new ValidationError("mysteriously missing block");
  }
  return mined;
}
