import { networkInterfaces } from "node:os";
import type { Logger } from "pino";
import { hex } from "../../codec/bytes.ts";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import type { Address, MinorBlock, MinorBlockHeader, MinorBlockMeta, TypedTransaction } from "../../messages/core.ts";
import { difficultyWithParent, merkleRoot } from "../chain/block-rules.ts";
import { minorBlockMetaHash, rootBlockHash } from "../chain/hashes.ts";
import type { ShardChain } from "../chain/shard-chain.ts";
import type { PoolEntry, TxPool } from "../pool/tx-pool.ts";
import { MissingTrieNodeError, type TrieNodeCache } from "../state/trie/index.ts";
import { WorldState } from "../state/world-state.ts";
import { applyTransaction } from "./apply-tx.ts";
import { runBlockEnv } from "./block-env.ts";
import type { ExecState } from "./exec-state.ts";
import { convertToDefaultChainTokenGasPrice } from "./gas-token.ts";
import { finishBlock, receiveDeposits } from "./run-block.ts";
import { newExecState } from "./exec-state.ts";

/** create_block_to_mine's arguments (all optional, as pyquarkchain's). */
export interface BlockToMineOptions {
  /** The coinbase; default create_block_to_append's: 20 zero bytes with the tip coinbase's full_shard_key. */
  readonly address?: Address;
  /** Default max(now, tip's create_time + 1). */
  readonly createTime?: bigint;
  /** Default true: fill the block from the pool. */
  readonly includeTx?: boolean;
  /** Default the shard's GENESIS.GAS_LIMIT. */
  readonly gasLimit?: bigint;
  /** Default gasLimit / 2. */
  readonly xshardGasLimit?: bigint;
}

/** What create_block_to_mine reads and changes besides its arguments. */
export interface BlockBuilder {
  readonly config: QuarkChainConfig;
  readonly chain: ShardChain;
  /** Transactions are popped from it; those included go back (the block may never be added). */
  readonly pool: TxPool;
  readonly nodeCache: TrieNodeCache;
  /** Unix time in seconds. */
  now(): bigint;
  /** Unix time in milliseconds, for the tracking data only (default Date.now). */
  readonly nowMs?: () => number;
  /** MONITORING.CLUSTER_ID, for the tracking data only (default pyquarkchain's: this host's address). */
  readonly clusterId?: string;
  readonly log: Logger;
}

/** The root blocks a new block may move its root reference ahead by at once (create_block_to_mine). */
const MAX_ROOT_STEP = 100;

/**
 * shard_state.py:create_block_to_mine: a block on the tip, at max(now, tip + 1) with the
 * calculator's difficulty, on the root tip (at most 100 root blocks past the tip's), its
 * cross-shard deposits received through the cursor, then transactions from the pool while gas
 * is left, then the coinbase reward, finalized (meta, receipts, bloom, coinbase amounts) with
 * its tracking data. The state is computed, never stored. Throws only when the store lacks
 * what the tip needs (its root block, its state).
 */
export function createBlockToMine(b: BlockBuilder, opts: BlockToMineOptions = {}): MinorBlock {
  const nowMs = b.nowMs ?? Date.now;
  const inception = nowMs();
  const { chain } = b;
  const tip = chain.tip;
  const tipHeader = tip.header;
  const createTime = opts.createTime ?? max(b.now(), tipHeader.create_time + 1n);
  const gasLimit = opts.gasLimit ?? chain.shard.GENESIS.GAS_LIMIT;
  const xshardGasLimit = opts.xshardGasLimit ?? gasLimit / 2n;
  // MinorBlock.create_block_to_append, then the gas limits and the root block reference.
  const draft: MinorBlock = {
    header: {
      version: tipHeader.version,
      branch: tipHeader.branch,
      height: tipHeader.height + 1n,
      coinbase_address: opts.address ?? {
        recipient: new Uint8Array(20),
        full_shard_key: tipHeader.coinbase_address.full_shard_key,
      },
      coinbase_amount_map: { balance_map: [] },
      hash_prev_minor_block: chain.tipHash,
      hash_prev_root_block: rootReference(chain, tipHeader),
      evm_gas_limit: gasLimit,
      hash_meta: new Uint8Array(32),
      create_time: createTime,
      difficulty: difficultyWithParent(chain.shard, chain.headerTip, createTime),
      nonce: 0n,
      bloom: 0n,
      extra_data: new Uint8Array(0),
      mixhash: new Uint8Array(32),
    },
    meta: {
      hash_merkle_root: new Uint8Array(32),
      hash_evm_state_root: new Uint8Array(32),
      hash_evm_receipt_root: new Uint8Array(32),
      evm_gas_used: 0n,
      evm_cross_shard_receive_gas_used: 0n,
      xshard_tx_cursor_info: tip.meta.xshard_tx_cursor_info,
      evm_xshard_gas_limit: xshardGasLimit,
    },
    tx_list: [],
    tracking_data: new Uint8Array(0),
  };

  // _get_evm_state_for_new_block: the tip's state, this block's env (PoSW's disallow map counts its coinbase).
  const env = runBlockEnv(b.config, chain, draft);
  const world = WorldState.open(chain.store.stateKv, tip.meta.hash_evm_state_root, { nodeCache: b.nodeCache });
  const received = receiveDeposits(newExecState(world, env.block, env.rules, env.block.gasLimit), env, draft.meta);
  const txs = opts.includeTx === false ? [] : addTransactionsToBlock(b, received.txState, createTime);
  const run = finishBlock(world, env, received);

  // MinorBlock.finalize
  const meta: MinorBlockMeta = {
    hash_merkle_root: merkleRoot(txs),
    hash_evm_state_root: run.commit.root,
    hash_evm_receipt_root: run.receiptRoot,
    evm_gas_used: run.gasUsed,
    evm_cross_shard_receive_gas_used: run.xshardReceiveGasUsed,
    xshard_tx_cursor_info: run.cursor,
    evm_xshard_gas_limit: xshardGasLimit,
  };
  const header: MinorBlockHeader = {
    ...draft.header,
    coinbase_amount_map: { balance_map: [...run.coinbaseAmounts] },
    hash_meta: minorBlockMetaHash(meta),
    bloom: BigInt("0x" + hex(run.bloom)),
  };
  return { header, meta, tx_list: txs, tracking_data: trackingData(b.clusterId ?? hostAddress(), inception, nowMs()) };
}

/**
 * hash_prev_root_block: the root tip, unless it is more than 100 root blocks past the tip's own
 * reference; then the root tip's ancestor 100 above that reference, so the cross-shard cursor
 * does not run out.
 */
function rootReference(chain: ShardChain, tip: MinorBlockHeader): Uint8Array {
  const rootTip = chain.rootTip;
  const prev = chain.rootHeader(tip.hash_prev_root_block);
  if (!prev) throw new Error(`the tip's root block ${hex(tip.hash_prev_root_block)} is not stored`);
  if (rootTip.height - prev.height <= MAX_ROOT_STEP) return rootBlockHash(rootTip);
  let header = rootTip;
  while (header.height > prev.height + MAX_ROOT_STEP) {
    const parent = chain.rootHeader(header.hash_prev_block);
    if (!parent) throw new Error(`root block ${hex(header.hash_prev_block)} on the root tip's chain is not stored`);
    header = parent;
  }
  return rootBlockHash(header);
}

/**
 * __add_transactions_to_block: while gas is left, pop_transaction (highest price, then arrival;
 * stale nonces leave the pool) with the gas left; a transaction priced below MIN_MINING_GAS_PRICE
 * in the default token, or not allowed yet by the TX, EVM or EIP-155 switch, is skipped, and one
 * apply_transaction refuses is left out: both leave the pool, as in pyquarkchain. The included
 * ones go back to the pool, since the block may never be added.
 */
function addTransactionsToBlock(b: BlockBuilder, state: ExecState, createTime: bigint): TypedTransaction[] {
  const { config, pool, log } = b;
  const included: PoolEntry[] = [];
  try {
    while (state.gasUsed < state.gasLimit) {
      const entry = pool.pop((sender) => state.world.getNonce(sender), state.gasLimit - state.gasUsed);
      if (!entry) break;
      const skipped = notMineable(config, state, entry, createTime);
      if (skipped !== undefined) {
        log.debug({ tx: hex(entry.hash), reason: skipped }, "pooled transaction skipped");
        continue;
      }
      const refused = tryApply(state, entry);
      if (refused !== undefined) {
        log.debug({ tx: hex(entry.hash), reason: refused }, "failed to include transaction");
        continue;
      }
      included.push(entry);
    }
  } finally {
    // Also when the state cannot be read here (the block is then not made): nothing of the pool is lost.
    for (const entry of included) pool.add(entry);
  }
  return included.map((e) => e.tx);
}

/** Why a popped transaction is not even tried in a block at `createTime`, or undefined. */
function notMineable(
  config: QuarkChainConfig,
  state: ExecState,
  entry: PoolEntry,
  createTime: bigint,
): string | undefined {
  const tx = entry.evm;
  const price = convertToDefaultChainTokenGasPrice(state, tx.gas_token_id, tx.gasprice);
  if (price < config.MIN_MINING_GAS_PRICE) return `gas price ${price} below MIN_MINING_GAS_PRICE`;
  const txOn = config.ENABLE_TX_TIMESTAMP;
  if (txOn !== null && createTime < txOn && !config.TX_WHITELIST_SENDERS.has(hex(entry.sender!)))
    return "sender not whitelisted before ENABLE_TX_TIMESTAMP";
  const evmOn = config.ENABLE_EVM_TIMESTAMP;
  if (evmOn !== null && createTime < evmOn && (tx.to.length === 0 || tx.data.length !== 0))
    return "contract or data transaction before ENABLE_EVM_TIMESTAMP";
  const eip155On = config.ENABLE_EIP155_SIGNER_TIMESTAMP;
  if (eip155On !== null && createTime < eip155On && tx.version === 2n)
    return "EIP-155 signature before ENABLE_EIP155_SIGNER_TIMESTAMP";
  return undefined;
}

/**
 * apply_transaction on the block's state: why it refused the transaction (the state unchanged),
 * or undefined once it is applied. pyquarkchain drops a transaction on any exception; an
 * internal error here is undone the same way, world and block counters alike.
 */
function tryApply(state: ExecState, entry: PoolEntry): string | undefined {
  const snap = state.world.snapshot();
  const mark = {
    gasUsed: state.gasUsed,
    receipts: state.receipts.length,
    xshardList: state.xshardList.length,
    fees: new Map(state.blockFeeTokens),
  };
  try {
    const applied = applyTransaction(state, entry.evm, entry.sender, entry.hash);
    return "rule" in applied ? `${applied.rule}: ${applied.message}` : undefined;
  } catch (err) {
    if (err instanceof MissingTrieNodeError) throw err; // the store's fault, not the transaction's
    state.world.revert(snap);
    state.gasUsed = mark.gasUsed;
    state.receipts.length = mark.receipts;
    state.xshardList.length = mark.xshardList;
    state.blockFeeTokens.clear();
    for (const [k, v] of mark.fees) state.blockFeeTokens.set(k, v);
    return (err as Error).message;
  }
}

/** json.dumps({inception, cluster, creation_ms}) as pyquarkchain writes it (", " and ": " separators). */
function trackingData(clusterId: string, inception: number, end: number): Uint8Array {
  const text = `{"inception": ${inception}, "cluster": ${JSON.stringify(clusterId)}, "creation_ms": ${end - inception}}`;
  return new TextEncoder().encode(text);
}

/** socket.gethostbyname(socket.gethostname()), near enough: this host's first external IPv4 address. */
function hostAddress(): string {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  return all.find((a) => a.family === "IPv4" && !a.internal)?.address ?? "127.0.0.1";
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
