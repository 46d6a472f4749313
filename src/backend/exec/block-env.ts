import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { fraction } from "../../config/fraction.ts";
import { fullShardIdByFullShardKey, initializedFullShardIdsBeforeRootHeight } from "../../config/quarkchain-config.ts";
import { tokenIdEncode } from "../../config/token.ts";
import { type ForkSchedule, forkSchedule } from "../../evm/env.ts";
import type { MinorBlock, MinorBlockHeader } from "../../messages/core.ts";
import { blockCoinbaseAmount, isInBranch, isNeighbor } from "../chain/block-rules.ts";
import { sameBytes } from "../../codec/bytes.ts";
import { minorBlockHash } from "../chain/hashes.ts";
import type { ShardChain } from "../chain/shard-chain.ts";
import type { ExecRules } from "./exec-state.ts";
import type { RunBlockEnv } from "./run-block.ts";
import type { ShardTxRules } from "./validate-shard-tx.ts";
import type { CursorSource } from "./xshard-cursor.ts";

/** The chain a block is run against: the parent must be stored (validate_block checked it). */
export class MissingParentError extends Error {
  override readonly name = "MissingParentError";
}

/** quarkchain_config's chain rules for the transaction layer. */
export function execRules(config: QuarkChainConfig): ExecRules {
  const tax = config.REWARD_TAX_RATE;
  return {
    localFeeRate: fraction(tax.denominator - tax.numerator, tax.denominator),
    genesisToken: config.genesisToken,
    enableEvmTimestamp: config.ENABLE_EVM_TIMESTAMP ?? null,
    eip155SignerTimestamp: config.ENABLE_EIP155_SIGNER_TIMESTAMP ?? null,
    chainDefaultToken: (chainId) => {
      const chain = config.CHAINS.find((c) => c.CHAIN_ID === chainId);
      return chain && tokenIdEncode(chain.DEFAULT_CHAIN_TOKEN);
    },
    shardSize: (chainId) => config.CHAINS.find((c) => c.CHAIN_ID === chainId)?.SHARD_SIZE ?? 0,
  };
}

/**
 * Everything shard_state.py's run_block reads besides the parent's state, for `block` on `chain`:
 * _get_evm_state_for_new_block (timestamp, the 256 prev_headers parent first, the header's gas
 * limit, coinbase, difficulty, the PoSW sender_disallow_map with this block's coinbase), the
 * cursor's view of the db, __validate_tx's rules and get_coinbase_amount_map.
 */
export function runBlockEnv(config: QuarkChainConfig, chain: ShardChain, block: MinorBlock): RunBlockEnv {
  const { header } = block;
  const shard = chain.shard;
  const parent = chain.byHash(header.hash_prev_minor_block);
  const maxRoot = chain.store.rootBlock(header.hash_prev_root_block);
  if (!parent || !maxRoot) throw new MissingParentError("the parent block or the previous root block is not stored");

  const prevHashes = prevHashesFrom(chain, parent.header);
  const fullShardId = chain.fullShardId;
  const cursor: CursorSource = {
    rootBlock: (hash) => chain.store.rootBlock(hash),
    xshardTxList: (hash) => chain.xshardTxList(hash)?.tx_list,
    isNeighbor: (other, rootHeight) =>
      isNeighbor(fullShardId, other, initializedFullShardIdsBeforeRootHeight(config, rootHeight).length),
    isInBranch: (key) => isInBranch(fullShardId, key),
    fullShardId,
    genesisRootHeight: shard.GENESIS.ROOT_HEIGHT,
    genesisToken: config.genesisToken,
  };

  const reward = new Map(blockCoinbaseAmount(config, shard, header.height).balance_map);
  return {
    rules: execRules(config),
    txRules: shardTxRules(config, chain, block.meta.evm_xshard_gas_limit),
    cursor,
    maxRoot,
    parentCursor: parent.meta.xshard_tx_cursor_info,
    block: {
      coinbase: header.coinbase_address.recipient,
      timestamp: header.create_time,
      number: header.height,
      difficulty: header.difficulty,
      gasLimit: header.evm_gas_limit,
      prevHashes,
      defaultChainToken: tokenIdEncode(shard.chain.DEFAULT_CHAIN_TOKEN),
      senderDisallowMap: senderDisallowMap(chain, parent.header, header.coinbase_address.recipient),
      schedule: configSchedule(config),
    },
    xshardGasDdosFixRootHeight: config.XSHARD_GAS_DDOS_FIX_ROOT_HEIGHT,
    reward,
  };
}

/**
 * Each chain's last prev_headers walk: the next block's is its parent's hash then this one less
 * its last (a walk of 256 header lookups a block, ~0.4 ms of bench (a)'s block under load, otherwise).
 */
const lastPrevHashes = new WeakMap<ShardChain, { from: Uint8Array; hashes: readonly Uint8Array[] }>();

/** state.prev_headers: the hashes of `from` and its ancestors, `from` first, at most 256. */
export function prevHashesFrom(chain: ShardChain, from: MinorBlockHeader): Uint8Array[] {
  const fromHash = minorBlockHash(from);
  const last = lastPrevHashes.get(chain);
  let out: Uint8Array[];
  if (last !== undefined && sameBytes(last.from, fromHash)) out = last.hashes.slice();
  else if (last !== undefined && from.height > 0n && sameBytes(last.from, from.hash_prev_minor_block))
    // The walk from `from` goes on to its parent and from there as the last one did.
    out = [fromHash, ...last.hashes.slice(0, 255)];
  else {
    out = [];
    for (let h: MinorBlockHeader | undefined = from; h && out.length < 256;) {
      out.push(minorBlockHash(h));
      h = h.height === 0n ? undefined : chain.header(h.hash_prev_minor_block);
    }
  }
  lastPrevHashes.set(chain, { from: fromHash, hashes: out.slice() });
  return out;
}

/** The fork switches of the interpreter (specials, native token rules) by the config's timestamps. */
export function configSchedule(config: QuarkChainConfig): ForkSchedule {
  return forkSchedule({
    enableEvmTimestamp: config.ENABLE_EVM_TIMESTAMP ?? null,
    enableNonReservedNativeTokenTimestamp: config.ENABLE_NON_RESERVED_NATIVE_TOKEN_TIMESTAMP ?? null,
    enableGeneralNativeTokenTimestamp: config.ENABLE_GENERAL_NATIVE_TOKEN_TIMESTAMP ?? null,
  });
}

/**
 * ShardState.__validate_tx's view of the shard on `chain`: the network ids, its branch, the shards
 * initialized before the root tip and its neighbours among them, `xshardGasLimit` (a block's
 * evm_xshard_gas_limit, or get_xshard_gas_limit()'s default outside a block), the TX and EVM switches.
 */
export function shardTxRules(config: QuarkChainConfig, chain: ShardChain, xshardGasLimit: bigint): ShardTxRules {
  const fullShardId = chain.fullShardId;
  const initialized = initializedFullShardIdsBeforeRootHeight(config, chain.rootTip.height);
  return {
    networkId: BigInt(config.NETWORK_ID),
    ethChainId: BigInt(chain.shard.chain.ETH_CHAIN_ID),
    isInBranch: (key) => isInBranch(fullShardId, key),
    fullShardIdOf: (key) => {
      try {
        return fullShardIdByFullShardKey(config, key);
      } catch {
        return undefined;
      }
    },
    isInitialized: (id) => initialized.includes(id),
    isNeighbor: (id) => isNeighbor(fullShardId, id, initialized.length),
    xshardGasLimit,
    enableTxTimestamp: config.ENABLE_TX_TIMESTAMP ?? null,
    txWhitelistSenders: config.TX_WHITELIST_SENDERS,
    enableEvmTimestamp: config.ENABLE_EVM_TIMESTAMP ?? null,
  };
}

/**
 * ShardState._get_sender_disallow_map(header, recipient): when PoSW is on for `header`, the
 * coinbase recipients of the last WINDOW_SIZE − 1 blocks up to `header` (posw.py:
 * get_posw_coinbase_blockcnt) plus `recipient` if given (a new block's own), each count ×
 * TOTAL_STAKE_PER_BLOCK.
 */
export function senderDisallowMap(
  chain: ShardChain,
  header: MinorBlockHeader,
  recipient?: Uint8Array,
): Map<string, bigint> {
  const posw = chain.shard.chain.POSW_CONFIG;
  const out = new Map<string, bigint>();
  if (!posw.ENABLED || header.create_time < posw.ENABLE_TIMESTAMP) return out;
  const counts = new Map<string, bigint>();
  const add = (a: Uint8Array) => counts.set(hexOf(a), (counts.get(hexOf(a)) ?? 0n) + 1n);
  let h: MinorBlockHeader | undefined = header;
  for (let i = 0; i < posw.WINDOW_SIZE - 1 && h; i++) {
    add(h.coinbase_address.recipient);
    if (h.height === 0n) break;
    h = chain.header(h.hash_prev_minor_block);
    if (!h) throw new MissingParentError("a block in the PoSW window is missing");
  }
  if (recipient) add(recipient);
  for (const [k, v] of counts) out.set(k, v * posw.TOTAL_STAKE_PER_BLOCK);
  return out;
}

const hexOf = (a: Uint8Array): string => Buffer.from(a).toString("hex");
