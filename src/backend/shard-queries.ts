import { keccak256 } from "../crypto/keccak.ts";
import type { QuarkChainConfig, ShardConfig } from "../config/cluster-config.ts";
import { decodeEvmTransaction } from "../tx/transaction.ts";
import type { AccountBranchData, MinorBlockExtraInfo } from "../messages/cluster.ts";
import type { MinorBlock, MinorBlockHeader } from "../messages/core.ts";
import { diffDivider, poswThreshold } from "./chain/posw.ts";
import { minorBlockHash } from "./chain/hashes.ts";
import type { Shard } from "./shard.ts";
import { StateUnknownError } from "./exec/derive/derive-state.ts";
import type { StateView } from "./state/state-view.ts";
import type { TxPool } from "./pool/tx-pool.ts";
import { hex } from "../codec/bytes.ts";

/**
 * What pyquarkchain's ShardState answers from a shard's chain and state alone, without
 * running the EVM (quarkchain/cluster/shard_state.py; method names in each comment).
 */

const ZERO32 = new Uint8Array(32);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const EXACT_DIFFICULTY = 1n << 45n;

/** get_next_block_coinbase_amount: gasprice × startgas summed over the pending transactions. */
export function nextBlockCoinbaseAmount(pool: TxPool): bigint {
  let sum = 0n;
  for (let i = 0; i < pool.size; i++) {
    const { evm } = pool.entryAt(i)!;
    sum += evm.gasprice * evm.startgas;
  }
  return sum;
}

/**
 * get_next_block_difficulty: EthDifficultyCalculator.calculate_diff_with_parent on the tip, for
 * a block created at max(now, tip time + 1); never below the shard's GENESIS.DIFFICULTY.
 */
export function nextBlockDifficulty(shard: ShardConfig, tip: MinorBlockHeader, now: bigint): bigint {
  const createTime = now > tip.create_time ? now : tip.create_time + 1n;
  const cutoff = shard.chain.DIFFICULTY_ADJUSTMENT_CUTOFF_TIME;
  const factor = shard.chain.DIFFICULTY_ADJUSTMENT_FACTOR;
  const parent = tip.difficulty;
  let difficulty: bigint;
  if (parent < EXACT_DIFFICULTY && createTime <= MAX_SAFE) {
    // The same integer arithmetic in exact numbers (below 2^45, parent + 99 steps of up to
    // the parent stays below 2^53; floor division as remainder-free division): no bigint
    // temporaries for the difficulties of real chains.
    const p = Number(parent);
    const elapsed = Number(createTime - tip.create_time);
    const sign = Math.max(1 - (elapsed - (elapsed % cutoff)) / cutoff, -99);
    const step = (p - (p % factor)) / factor;
    difficulty = BigInt(p + step * sign);
  } else {
    let sign = 1n - (createTime - tip.create_time) / BigInt(cutoff);
    if (sign < -99n) sign = -99n;
    difficulty = parent + (parent / BigInt(factor)) * sign;
  }
  return difficulty > shard.GENESIS.DIFFICULTY ? difficulty : shard.GENESIS.DIFFICULTY;
}

/** get_unconfirmed_headers_coinbase_amount: the genesis token's coinbase over the unconfirmed headers. */
export function unconfirmedCoinbaseAmount(headers: readonly MinorBlockHeader[], genesisToken: bigint): bigint {
  return headers.reduce(
    (sum, h) => sum + (h.coinbase_amount_map.balance_map.find(([k]) => k === genesisToken)?.[1] ?? 0n),
    0n,
  );
}

/**
 * _get_evm_state_from_height: the tip's state when `height` is absent or the tip's, else the
 * state after block `height`, which exists only if a canonical block follows it (undefined
 * when none does; pyquarkchain then answers empty values). Throws StateUnknownError when that
 * state exists but is not known here (it would take transaction execution).
 */
export function stateAfter(shard: Shard, height: bigint | undefined): StateView | undefined {
  const chain = shard.chain;
  let hash: Uint8Array;
  if (height === undefined || height === chain.headerTip.height) hash = chain.tipHash;
  else {
    const next = chain.byHeight(height + 1n);
    if (!next) return undefined;
    hash = next.header.hash_prev_minor_block;
  }
  const state = shard.stateAfterBlock(hash);
  if (!state) throw new StateUnknownError(`the state after block ${hex(hash)} is not known here`);
  return state;
}

/**
 * get_posw_coinbase_blockcnt: how many of the last WINDOW_SIZE - 1 canonical blocks up to `from`
 * (the tip unless given; `from` included, not past the genesis) each coinbase recipient mined.
 */
export function coinbaseBlockCounts(
  store: Shard,
  windowSize: number,
  from: MinorBlock = store.tip,
): Map<string, number> {
  const counts = new Map<string, number>();
  let block = from;
  for (let i = 0; i < windowSize - 1; i++) {
    const key = hex(block.header.coinbase_address.recipient);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const prev = block.header.height === 0n ? undefined : store.byHash(block.header.hash_prev_minor_block);
    if (!prev) break;
    block = prev;
  }
  return counts;
}

/**
 * _posw_info, GET_MINOR_BLOCK's extra_info: null at genesis and where PoSW is off at the
 * block's time; else its effective difficulty (divided when its coinbase recipient had mined
 * fewer blocks in the window than its stake allows), the blocks that stake allows, and those
 * mined with this one. The stake is read from the state after the parent: undefined when that
 * state is not known here (it would take transaction execution).
 */
export function poswExtraInfo(
  config: QuarkChainConfig,
  chain: Shard,
  block: MinorBlock,
): MinorBlockExtraInfo | null | undefined {
  const h = block.header;
  const shard = chain.chain.shard;
  const posw = shard.chain.POSW_CONFIG;
  if (h.height === 0n || !posw.ENABLED || h.create_time < posw.ENABLE_TIMESTAMP) return null;
  const parent = chain.byHash(h.hash_prev_minor_block);
  const state = chain.stateAfterBlock(h.hash_prev_minor_block);
  if (!parent || !state) return undefined;
  const recipient = h.coinbase_address.recipient;
  const threshold = poswThreshold(
    config,
    shard,
    state.balance(recipient, config.genesisToken),
    h.height,
    h.create_time,
  );
  const mined = coinbaseBlockCounts(chain, posw.WINDOW_SIZE, parent).get(hex(recipient)) ?? 0;
  return {
    effective_difficulty: mined < threshold ? h.difficulty / diffDivider(shard, h.create_time) : h.difficulty,
    posw_mineable_blocks: threshold,
    posw_mined_blocks: mined + 1,
  };
}

/**
 * get_mining_info: blocks the recipient mined in the PoSW window, and, when PoSW is enabled at
 * the tip, how many it may mine with `stakes` of the genesis token (get_posw_info evaluated on
 * the next block: height + 1, create_time + 1, its staking requirement decayed by epoch).
 */
export function miningInfo(
  config: QuarkChainConfig,
  shard: ShardConfig,
  store: Shard,
  recipient: Uint8Array,
  stakes: bigint,
): { mined: number; mineable: number } {
  const posw = shard.chain.POSW_CONFIG;
  const tip = store.tip.header;
  const mined = coinbaseBlockCounts(store, posw.WINDOW_SIZE).get(hex(recipient)) ?? 0;
  if (!posw.ENABLED || tip.create_time < posw.ENABLE_TIMESTAMP) return { mined, mineable: 0 };
  return { mined, mineable: poswThreshold(config, shard, stakes, tip.height + 1n, tip.create_time + 1n) };
}

/** SlaveServer.get_account_data's entry for one shard: state at `height` (or the tip), mining info at the tip. */
export function accountBranchData(
  config: QuarkChainConfig,
  store: Shard,
  recipient: Uint8Array,
  height: bigint | undefined,
): AccountBranchData {
  const shard = config.shards.get(store.fullShardId)!;
  const state = stateAfter(store, height);
  const balances = state ? state.balances(recipient) : { balance_map: [] };
  const stakes = balances.balance_map.find(([k]) => k === config.genesisToken)?.[1] ?? 0n;
  const { mined, mineable } = miningInfo(config, shard, store, recipient, stakes);
  return {
    branch: { value: store.fullShardId },
    transaction_count: state?.nonce(recipient) ?? 0n,
    token_balances: balances,
    is_contract: (state?.code(recipient).length ?? 0) > 0,
    posw_mineable_blocks: mineable,
    mined_blocks: mined,
  };
}

/**
 * gas_price: the 50th percentile of the token's gas prices in the tip's last 5 blocks from
 * height 3 on, else MIN_TX_POOL_GAS_PRICE; undefined when one of those blocks is missing.
 */
export function gasPrice(config: QuarkChainConfig, store: Shard, tokenId: bigint): bigint | undefined {
  const tip = store.tip.header.height;
  const start = tip - 4n > 3n ? tip - 4n : 3n;
  const prices: bigint[] = [];
  for (let h = start; h <= tip; h++) {
    const block = store.chain.byHeight(h);
    if (!block) return undefined;
    for (const tx of block.tx_list) {
      const evm = decodeEvmTransaction(tx.tx.serialized_tx);
      if (evm.gas_token_id === tokenId) prices.push(evm.gasprice);
    }
  }
  if (prices.length === 0) return config.MIN_TX_POOL_GAS_PRICE;
  prices.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return prices[Math.floor(((prices.length - 1) * 50) / 100)]!;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * get_total_balance after the tip or a block the next canonical block follows (_get_evm_state_from_hash;
 * anything else is an error): the token balances of up to
 * `limit` accounts in state-trie order (by keccak256 of the recipient) after `start`, and the
 * trie key to continue from (32 zero bytes once the trie is exhausted).
 */
export function totalBalance(
  store: Shard,
  blockHash: Uint8Array,
  tokenId: bigint,
  limit: number,
  start: Uint8Array | null,
): { total: bigint; next: Uint8Array } {
  const isTip = compareBytes(blockHash, minorBlockHash(store.tip.header)) === 0;
  if (!isTip) {
    // _get_evm_state_from_hash: a block the next canonical block links to
    const block = store.byHash(blockHash);
    const next = block && store.chain.byHeight(block.header.height + 1n);
    if (!next || compareBytes(next.header.hash_prev_minor_block, blockHash) !== 0)
      throw new Error("block hash not found or not followed by a canonical block");
  }
  const world = store.worldAfterBlock(blockHash);
  if (world) {
    // the world state's trie, walked as ShardState.get_total_balance walks it
    let at = start ?? ZERO32;
    let sum = 0n;
    for (let left = limit; left > 0; left--) {
      const next = world.nextAccountBalance(at, tokenId);
      if (!next) return { total: sum, next: ZERO32 };
      at = next.hashedKey;
      sum += next.balance;
    }
    return { total: sum, next: at };
  }
  const state = isTip ? store.state : undefined;
  if (!state) throw new Error("the state after the block is not known here");
  const accounts = state
    .recipients()
    .filter((r) => state.accountRlp(r) !== undefined)
    .map((r) => ({ key: keccak256(r), recipient: r }))
    .sort((a, b) => compareBytes(a.key, b.key));
  // Trie.next(key): the first key above it; after the last one, the answer is 32 zero bytes.
  let key = start ?? ZERO32;
  let total = 0n;
  for (let left = limit; left > 0; left--) {
    const after = key;
    const found = accounts.find((a) => compareBytes(a.key, after) > 0);
    if (!found) return { total, next: ZERO32 };
    key = found.key;
    total += state.balance(found.recipient, tokenId);
  }
  return { total, next: key };
}
