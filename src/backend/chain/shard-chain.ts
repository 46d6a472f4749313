import { keccak256 } from "../../crypto/keccak.ts";
import type { Logger } from "pino";
import { encode } from "../../codec/index.ts";
import {
  type QuarkChainConfig,
  type ShardConfig,
  initializedFullShardIdsBeforeRootHeight,
} from "../../config/cluster-config.ts";
import type { ShardStats } from "../../messages/cluster.ts";
import {
  type CrossShardTransactionList,
  type MinorBlock,
  type MinorBlockHeader,
  type RootBlock,
  type RootBlockHeader,
  type TokenBalanceMap,
  type TypedTransaction,
  MinorBlockHeader as MinorBlockHeaderCodec,
  MinorBlockMeta as MinorBlockMetaCodec,
  RootBlockHeader as RootBlockHeaderCodec,
  typedTransactionHash,
} from "../../messages/core.ts";
import {
  ALLOWED_FUTURE_BLOCKS_TIME,
  ValidationError,
  blockCoinbaseAmount,
  checkSeal,
  difficultyWithParent,
  isInBranch,
  isNeighbor,
  maxStaleHeightDiff,
  merkleRoot,
} from "./block-rules.ts";
import { type BlockNote, type ChainStore, STATE_GENESIS, STATE_KNOWN, STATE_UNKNOWN } from "./chain-store.ts";
import { minorBlockHash, rootBlockHash } from "./hashes.ts";
import { maxBlocksInOneRootBlock } from "../shard-queries.ts";
import type { EvmState } from "../exec/derive/evm-state.ts";
import { type PoolEntry, TxPool, poolEntry, poolRejection } from "../pool/tx-pool.ts";
import { hex, sameBytes } from "../../codec/bytes.ts";

const GENESIS_NOTE: BlockNote = { total_tx_count: 0, state: STATE_GENESIS, coinbase_key: 0 };
const sameMinorHeader = (a: MinorBlockHeader, b: MinorBlockHeader) =>
  sameBytes(encode(MinorBlockHeaderCodec, a), encode(MinorBlockHeaderCodec, b));
const sameRootHeader = (a: RootBlockHeader, b: RootBlockHeader) =>
  sameBytes(encode(RootBlockHeaderCodec, a), encode(RootBlockHeaderCodec, b));

/** A block this backend cannot add without running its transactions. */
export class ExecutionRequiredError extends Error {
  override readonly name = "ExecutionRequiredError";
}

/** The state after a block (or at a height) exists in pyquarkchain but is not known here. */
export class StateUnknownError extends Error {
  override readonly name = "StateUnknownError";
}

export interface ShardChainDeps {
  config: QuarkChainConfig;
  store: ChainStore;
  /** A fresh copy of the shard's genesis state. */
  genesisState: () => EvmState;
  log: Logger;
  /** Unix time in seconds. */
  now: () => bigint;
}

export interface AddBlockOptions {
  /** Refuse a block more than max_stale_minor_block_height_diff below the tip (default true). */
  skipIfTooOld?: boolean;
  /** The create_time checks against the clock and the parent (default true). */
  validateTime?: boolean;
}

/**
 * One shard's chain, as pyquarkchain's ShardState keeps it (quarkchain/cluster/shard_state.py)
 * without the EVM: tips, the canonical chain, root blocks, cross-shard deposits, the
 * transaction pool, and the EVM state wherever it follows from the genesis state and block
 * rewards alone (see BlockNote). Blocks are accepted with every check that needs no EVM.
 */
export class ShardChain {
  readonly fullShardId: number;
  readonly shard: ShardConfig;
  readonly store: ChainStore;
  readonly pool: TxPool;
  rootTip: RootBlockHeader;
  headerTip: MinorBlockHeader;
  /** The last block of this shard a root block on the root tip's chain confirmed. */
  confirmedTip: MinorBlockHeader | undefined;
  private lastUnconfirmed:
    | { tip: MinorBlockHeader; confirmed: MinorBlockHeader | undefined; max: number; list: readonly MinorBlockHeader[] }
    | undefined;
  private tipState: EvmState | undefined;
  private readonly deps: ShardChainDeps;
  /** height -> block hashes added in this process (pyquarkchain's height_to_minor_block_hashes). */
  private readonly heightHashes = new Map<bigint, Set<string>>();
  private readonly stateCache = new Map<string, EvmState>();
  /** The tip's hash, kept while headerTip is the same object: every eco info and add_tx asks for it. */
  private tipHashMemo: { header: MinorBlockHeader; hash: Uint8Array } | undefined;

  private constructor(deps: ShardChainDeps, shard: ShardConfig, rootTip: RootBlockHeader, headerTip: MinorBlockHeader) {
    this.deps = deps;
    this.shard = shard;
    this.fullShardId = shard.fullShardId;
    this.store = deps.store;
    this.pool = new TxPool(deps.config.TRANSACTION_QUEUE_SIZE_LIMIT_PER_SHARD);
    this.rootTip = rootTip;
    this.headerTip = headerTip;
    this.confirmedTip = undefined;
    this.tipState = undefined;
  }

  /**
   * init_genesis_state: the genesis block on `root` (the root block at GENESIS.ROOT_HEIGHT)
   * becomes the tip, whatever the store held before (its blocks stay stored).
   */
  static fromGenesis(deps: ShardChainDeps, root: RootBlock, genesis: MinorBlock): ShardChain {
    const shard = shardConfig(deps.config, deps.store.fullShardId);
    const rootHash = rootBlockHash(root.header);
    deps.store.putRootBlock(root, null);
    deps.store.putGenesisBlock(rootHash, genesis, GENESIS_NOTE);
    const chain = new ShardChain(deps, shard, root.header, genesis.header);
    chain.countHeight(genesis);
    chain.rewriteIndexTo(genesis, false);
    chain.tipState = deps.genesisState();
    chain.saveTips();
    return chain;
  }

  /**
   * init_from_root_block after a restart: the tip is the last block of this shard the root
   * tip confirms (else the stored genesis block); the blocks above it stay stored.
   */
  static recover(deps: ShardChainDeps, root: RootBlock): ShardChain {
    const { store } = deps;
    const shard = shardConfig(deps.config, store.fullShardId);
    const rootHash = rootBlockHash(root.header);
    if (!store.hasRootBlock(rootHash)) store.putRootBlock(root, lastConfirmedIn(store, root, shard.fullShardId));
    const confirmedHash = store.lastConfirmedAt(rootHash);
    const confirmed = confirmedHash ? store.minorBlock(confirmedHash) : undefined;
    const genesisHash = store.canonicalHash(shard.GENESIS.HEIGHT);
    const genesis = genesisHash && store.minorBlock(genesisHash);
    const tip = confirmed ?? genesis;
    if (!tip) {
      throw new Error(
        `shard 0x${shard.fullShardId.toString(16)}: root tip height ${root.header.height} is past its genesis root ` +
          `height ${shard.GENESIS.ROOT_HEIGHT} and the chain store holds no chain to recover (start with the same --db-path)`,
      );
    }
    const chain = new ShardChain(deps, shard, root.header, tip.header);
    chain.confirmedTip = confirmed?.header;
    chain.rewriteIndexTo(tip, false);
    chain.tipState = chain.tryStateAfter(minorBlockHash(tip.header));
    chain.saveTips();
    return chain;
  }

  get tip(): MinorBlock {
    return this.store.minorBlock(this.tipHash)!;
  }

  get tipHash(): Uint8Array {
    const header = this.headerTip;
    const memo = this.tipHashMemo;
    if (memo !== undefined && memo.header === header) return memo.hash;
    const hash = minorBlockHash(header);
    this.tipHashMemo = { header, hash };
    return hash;
  }

  /** The EVM state after the tip, or undefined when it is not known here. */
  get state(): EvmState | undefined {
    return this.tipState;
  }

  /** Height of the last block a root block has confirmed; -1 until one does. */
  get confirmedHeight(): bigint {
    return this.confirmedTip?.height ?? -1n;
  }

  /** The state timestamp add_tx checks against: 0 at genesis (pyquarkchain's default), else the tip's time. */
  get stateTimestamp(): bigint {
    return this.headerTip.height === this.shard.GENESIS.HEIGHT ? 0n : this.headerTip.create_time;
  }

  byHash(hash: Uint8Array): MinorBlock | undefined {
    return this.store.minorBlock(hash);
  }

  header(hash: Uint8Array): MinorBlockHeader | undefined {
    return this.store.minorBlock(hash)?.header;
  }

  /** The canonical block at `height`. */
  byHeight(height: bigint): MinorBlock | undefined {
    if (height < 0n || height > this.headerTip.height) return undefined;
    const hash = this.store.canonicalHash(height);
    return hash && this.store.minorBlock(hash);
  }

  isCanonical(block: MinorBlock): boolean {
    const hash = this.store.canonicalHash(block.header.height);
    return !!hash && sameBytes(hash, minorBlockHash(block.header));
  }

  rootHeader(hash: Uint8Array): RootBlockHeader | undefined {
    return this.store.rootBlock(hash)?.header;
  }

  /**
   * get_unconfirmed_header_list: canonical headers after the confirmed tip, oldest first,
   * capped. The list follows from the header tip and the confirmed tip alone (headers are
   * values, replaced and never changed), so the last one is kept for as long as both stand:
   * the master polls it (eco info, unconfirmed headers) far more often than tips move.
   */
  unconfirmedHeaders(maxBlocks: number): readonly MinorBlockHeader[] {
    const last = this.lastUnconfirmed;
    if (last && last.tip === this.headerTip && last.confirmed === this.confirmedTip && last.max === maxBlocks) {
      return last.list;
    }
    const list = this.walkUnconfirmed(maxBlocks);
    this.lastUnconfirmed = { tip: this.headerTip, confirmed: this.confirmedTip, max: maxBlocks, list };
    return list;
  }

  private walkUnconfirmed(maxBlocks: number): readonly MinorBlockHeader[] {
    const start = this.confirmedHeight;
    const maxHeight = start + BigInt(maxBlocks);
    const out: MinorBlockHeader[] = [];
    let header: MinorBlockHeader | undefined = this.headerTip;
    while (header && header.height > start) {
      if (header.height <= maxHeight) out.push(header);
      if (header.height === this.shard.GENESIS.HEIGHT) break;
      header = this.header(header.hash_prev_minor_block);
    }
    return out.reverse();
  }

  /** `encoded`: the list's encoding, when the caller has it. */
  addXshardTxList(sourceBlockHash: Uint8Array, list: CrossShardTransactionList, encoded?: Uint8Array): void {
    this.store.putXshardTxList(sourceBlockHash, list, encoded);
  }

  xshardTxList(sourceBlockHash: Uint8Array): CrossShardTransactionList | undefined {
    return this.store.xshardTxList(sourceBlockHash);
  }

  // ---- State ----

  /**
   * The EVM state after the block, replayed from the genesis state through the block rewards
   * of its ancestors; undefined when some block on the way needs transaction execution.
   * The caller must not change it.
   */
  tryStateAfter(hash: Uint8Array): EvmState | undefined {
    if (this.tipState && sameBytes(hash, this.tipHash)) return this.tipState;
    const cached = this.stateCache.get(hex(hash));
    if (cached) return cached;
    const path: Array<{ block: MinorBlock; note: BlockNote }> = [];
    let base: EvmState | undefined;
    let at = hash;
    for (;;) {
      const hit = this.stateCache.get(hex(at));
      if (hit) {
        base = hit.clone();
        break;
      }
      const note = this.store.blockNote(at);
      const block = this.store.minorBlock(at);
      if (!note || !block || note.state === STATE_UNKNOWN) return undefined;
      if (note.state === STATE_GENESIS) {
        base = this.deps.genesisState();
        break;
      }
      path.push({ block, note });
      at = block.header.hash_prev_minor_block;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const { block, note } = path[i]!;
      this.creditCoinbase(base, block.header, note.coinbase_key);
    }
    this.remember(hash, base);
    return base;
  }

  /** _get_evm_state_from_height: the tip's state, or the state after canonical block `height` if a block follows it. */
  stateAfterHeight(height: bigint | undefined): EvmState | undefined {
    if (height === undefined || height === this.headerTip.height) {
      if (!this.tipState) throw new StateUnknownError("the state after the tip is not known here");
      return this.tipState;
    }
    const next = this.byHeight(height + 1n);
    if (!next) return undefined;
    const state = this.tryStateAfter(next.header.hash_prev_minor_block);
    if (!state) throw new StateUnknownError(`the state after block ${height} is not known here`);
    return state;
  }

  private remember(hash: Uint8Array, state: EvmState): void {
    this.stateCache.set(hex(hash), state);
    if (this.stateCache.size > 16) this.stateCache.delete(this.stateCache.keys().next().value!);
  }

  /** run_block's "pay miner" for a block without transactions: the reward in the genesis token. */
  private creditCoinbase(state: EvmState, header: MinorBlockHeader, newAccountKey: number): void {
    const [[token, amount]] = blockCoinbaseAmount(this.deps.config, this.shard, header.height).balance_map as [
      [bigint, bigint],
    ];
    const account = state.touch(header.coinbase_address.recipient, newAccountKey);
    if (amount !== 0n) account.balances.set(token, (account.balances.get(token) ?? 0n) + amount);
    state.commit();
  }

  /**
   * The state after a block without transactions, when the block's reward is its only change
   * (no cross-shard deposit moved value): tried with the full_shard_key an account the reward
   * creates would get (pyquarkchain's state.full_shard_key: the last deposit's target, which
   * is the root coinbase when the block reaches a new root block, else 0), and accepted only
   * if the root matches the block's hash_evm_state_root.
   */
  private deriveState(block: MinorBlock): { state: EvmState; key: number } | undefined {
    if (block.tx_list.length > 0) return undefined;
    const parent = this.tryStateAfter(block.header.hash_prev_minor_block);
    if (!parent) return undefined;
    const keys = [0];
    const root = this.store.rootBlock(block.header.hash_prev_root_block);
    if (root) keys.unshift(root.header.coinbase_address.full_shard_key);
    const exists = parent.get(block.header.coinbase_address.recipient) !== undefined;
    for (const key of exists ? [0] : [...new Set(keys)]) {
      const state = parent.clone();
      this.creditCoinbase(state, block.header, key);
      if (sameBytes(state.stateRoot(), block.meta.hash_evm_state_root)) return { state, key };
    }
    return undefined;
  }

  // ---- Blocks ----

  /**
   * validate_block without the EVM: version, height and parent link, branch, time, meta hash,
   * extra and tracking data sizes, gas limits, merkle root, coinbase shard, difficulty, the
   * root block reference and its chain, and the seal where it needs no DAG or stake.
   */
  validate(block: MinorBlock, validateTime = true): void {
    const h = block.header;
    const config = this.deps.config;
    if (h.version !== 0) throw new ValidationError("incorrect minor block version");
    if (h.height < 1n) throw new ValidationError("unexpected height");
    const prev = this.header(h.hash_prev_minor_block);
    if (!prev) throw new ValidationError(`prev block not found, block height ${h.height}`);
    if (h.height !== prev.height + 1n) throw new ValidationError("height mismatch");
    if (h.branch.value !== this.fullShardId) throw new ValidationError("branch mismatch");
    if (validateTime && h.create_time > this.deps.now() + ALLOWED_FUTURE_BLOCKS_TIME)
      throw new ValidationError("block too far into future");
    if (validateTime && h.create_time <= prev.create_time) throw new ValidationError("incorrect create time");
    if (!sameBytes(h.hash_meta, keccak256(encode(MinorBlockMetaCodec, block.meta))))
      throw new ValidationError("hash of meta mismatch");
    if (h.extra_data.length > config.BLOCK_EXTRA_DATA_SIZE_LIMIT)
      throw new ValidationError("extra_data in block is too large");
    if (block.tracking_data.length > config.BLOCK_EXTRA_DATA_SIZE_LIMIT)
      throw new ValidationError("tracking_data in block is too large");
    const gasLimit = this.shard.GENESIS.GAS_LIMIT;
    if (h.evm_gas_limit !== gasLimit) throw new ValidationError(`incorrect gas limit, expected ${gasLimit}`);
    if (block.meta.evm_xshard_gas_limit >= h.evm_gas_limit)
      throw new ValidationError("xshard_gas_limit should not exceed total gas_limit");
    if (block.meta.evm_xshard_gas_limit !== gasLimit / 2n) throw new ValidationError("incorrect xshard gas limit");
    if (!sameBytes(merkleRoot(block.tx_list), block.meta.hash_merkle_root))
      throw new ValidationError("incorrect merkle root");
    if (!isInBranch(this.fullShardId, h.coinbase_address.full_shard_key))
      throw new ValidationError("coinbase output address must be in the shard");
    if (!config.SKIP_MINOR_DIFFICULTY_CHECK && difficultyWithParent(this.shard, prev, h.create_time) !== h.difficulty)
      throw new ValidationError("incorrect difficulty");
    const root = this.rootHeader(h.hash_prev_root_block);
    if (!root) throw new ValidationError("cannot find root block for the minor block");
    const prevRoot = this.rootHeader(prev.hash_prev_root_block);
    if (!prevRoot || root.height < prevRoot.height)
      throw new ValidationError("prev root block height must be non-decreasing");
    const confirmedHash = this.store.lastConfirmedAt(h.hash_prev_root_block);
    const confirmed = confirmedHash ? this.header(confirmedHash) : undefined;
    if (confirmed && !this.isSameMinorChain(prev, confirmed))
      throw new ValidationError("prev root block's minor block is not in the same chain as the minor block");
    if (!this.isSameRootChain(root, prevRoot)) throw new ValidationError("prev root blocks are not on the same chain");
    if (!config.DISABLE_POW_CHECK && !this.shard.chain.POSW_CONFIG.ENABLED) checkSeal(this.shard, h);
  }

  /**
   * ShardState.add_block without the EVM: refuses what validate refuses, and a block with
   * transactions when `canSkipExecution` says its cross-shard deposits would matter; stores
   * the block, derives the state after it where possible, and moves the tip by pyquarkchain's
   * rules. Returns the coinbase amount map the master is told.
   */
  addBlock(
    block: MinorBlock,
    opts: AddBlockOptions,
    canSkipExecution: (block: MinorBlock) => boolean,
  ): TokenBalanceMap {
    const h = block.header;
    const maxStale = maxStaleHeightDiff(this.deps.config, this.shard);
    if ((opts.skipIfTooOld ?? true) && maxStale !== undefined && this.headerTip.height - h.height > maxStale)
      throw new ValidationError(`block is too old ${h.height} << ${this.headerTip.height}`);
    this.validate(block, opts.validateTime ?? true);
    if (block.tx_list.length > 0 && !canSkipExecution(block)) {
      throw new ExecutionRequiredError(
        "a block with transactions needs their execution (post-state and cross-shard deposits)",
      );
    }
    const derived = this.deriveState(block);
    if (derived) {
      const expected = blockCoinbaseAmount(this.deps.config, this.shard, h.height);
      if (!sameCoinbase(expected, h.coinbase_amount_map)) throw new ValidationError("coinbase reward incorrect");
    }
    const hash = minorBlockHash(h);
    const parentNote = this.store.blockNote(h.hash_prev_minor_block);
    this.store.putMinorBlock(block, {
      total_tx_count: (parentNote?.total_tx_count ?? 0) + block.tx_list.length,
      state: derived ? STATE_KNOWN : STATE_UNKNOWN,
      coinbase_key: derived?.key ?? 0,
    });
    this.countHeight(block);
    if (derived) this.remember(hash, derived.state);
    if (this.shouldBecomeTip(block)) this.updateTip(block, derived?.state);
    return h.coinbase_amount_map;
  }

  private shouldBecomeTip(block: MinorBlock): boolean {
    const h = block.header;
    const prevRoot = this.rootHeader(h.hash_prev_root_block)!;
    const tipPrevRoot = this.rootHeader(this.headerTip.hash_prev_root_block);
    if (!this.isSameRootChain(this.rootTip, prevRoot)) return false;
    if (sameBytes(h.hash_prev_minor_block, this.tipHash)) return true;
    if (!this.isLinkedToConfirmedTip(h)) return false;
    if (h.height > this.headerTip.height) return true;
    return h.height === this.headerTip.height && !!tipPrevRoot && prevRoot.height > tipPrevRoot.height;
  }

  private updateTip(block: MinorBlock, state: EvmState | undefined): void {
    const next = state ?? this.tryStateAfter(minorBlockHash(block.header));
    this.rewriteIndexTo(block, true);
    this.headerTip = block.header;
    this.tipState = next;
    this.saveTips();
  }

  private isLinkedToConfirmedTip(header: MinorBlockHeader): boolean {
    const confirmed = this.confirmedTip;
    if (!confirmed) return true;
    if (header.height <= confirmed.height) return false;
    let h: MinorBlockHeader | undefined = header;
    while (h && h.height > confirmed.height) h = this.header(h.hash_prev_minor_block);
    return !!h && sameMinorHeader(h, confirmed);
  }

  private isSameMinorChain(longer: MinorBlockHeader, shorter: MinorBlockHeader): boolean {
    if (shorter.height > longer.height) return false;
    let h: MinorBlockHeader | undefined = longer;
    while (h && h.height > shorter.height) h = this.header(h.hash_prev_minor_block);
    return !!h && sameMinorHeader(h, shorter);
  }

  isSameRootChain(longer: RootBlockHeader, shorter: RootBlockHeader): boolean {
    if (shorter.height > longer.height) return false;
    let h: RootBlockHeader | undefined = longer;
    while (h && h.height > shorter.height) h = this.rootHeader(h.hash_prev_block);
    return !!h && sameRootHeader(h, shorter);
  }

  /** __rewrite_block_index_to: the canonical index (and transaction index) follows `block`. */
  private rewriteIndexTo(block: MinorBlock, addTxBack: boolean): void {
    const old: MinorBlock[] = [];
    for (let height = block.header.height + 1n; ; height++) {
      const hash = this.store.canonicalHash(height);
      const b = hash && this.store.minorBlock(hash);
      if (!b) break;
      old.push(b);
    }
    const fresh: MinorBlock[] = [];
    let b: MinorBlock | undefined = block;
    while (b) {
      const origHash = this.store.canonicalHash(b.header.height);
      if (origHash && sameBytes(origHash, minorBlockHash(b.header))) break;
      fresh.push(b);
      const orig = origHash && this.store.minorBlock(origHash);
      if (orig) old.push(orig);
      if (b.header.height <= this.shard.GENESIS.HEIGHT) break;
      b = this.store.minorBlock(b.header.hash_prev_minor_block);
    }
    this.store.rewriteCanonical({ drop: old, put: fresh });
    if (addTxBack) for (const o of old) for (const tx of o.tx_list) this.returnToPool(tx);
    const included = fresh.flatMap((f) => f.tx_list).flatMap((tx) => decodable(tx));
    if (included.length > 0) this.pool.removeIncluded(included);
  }

  private returnToPool(tx: TypedTransaction): void {
    const [entry] = decodable(tx);
    if (entry) this.pool.add(entry);
  }

  private countHeight(block: MinorBlock): void {
    const height = block.header.height;
    let set = this.heightHashes.get(height);
    if (!set) this.heightHashes.set(height, (set = new Set()));
    set.add(hex(minorBlockHash(block.header)));
    this.heightHashes.delete(height - 4096n);
  }

  private saveTips(): void {
    this.store.putTips({
      header: this.tipHash,
      root: rootBlockHash(this.rootTip),
      confirmed: this.confirmedTip ? minorBlockHash(this.confirmedTip) : null,
    });
  }

  /** get_shard_stats. */
  shardStats(): ShardStats {
    const tip = this.headerTip;
    const cutoff = tip.create_time - 60n;
    let block = this.tip;
    let txCount = 0;
    let blockCount = 0;
    let stale = 0;
    let lastBlockTime = 0n;
    while (block.header.height > 0n && block.header.create_time > cutoff) {
      txCount += block.tx_list.length;
      blockCount++;
      stale += Math.max(0, (this.heightHashes.get(block.header.height)?.size ?? 0) - 1);
      const prev = this.byHash(block.header.hash_prev_minor_block);
      if (!prev) break;
      block = prev;
      if (lastBlockTime === 0n) lastBlockTime = tip.create_time - block.header.create_time;
    }
    return {
      branch: { value: this.fullShardId },
      height: tip.height,
      difficulty: tip.difficulty,
      coinbase_address: tip.coinbase_address,
      timestamp: tip.create_time,
      tx_count60s: txCount,
      pending_tx_count: this.pool.size,
      total_tx_count: this.store.blockNote(this.tipHash)?.total_tx_count ?? 0,
      block_count60s: blockCount,
      stale_block_count60s: stale,
      last_block_time: Number(lastBlockTime),
    };
  }

  // ---- Root blocks ----

  /**
   * ShardState.add_root_block (root height above the genesis root height): the root block
   * must follow a known one and confirm only known local blocks, with the neighbours'
   * deposits present; a heavier root block becomes the root tip and may move the shard tip.
   * Returns whether the root tip switched. Throws ValidationError.
   */
  addRootBlock(root: RootBlock): boolean {
    const config = this.deps.config;
    if (root.header.version !== 0) throw new ValidationError("incorrect root block version");
    if (!this.store.hasRootBlock(root.header.hash_prev_block))
      throw new ValidationError("cannot find previous root block in pool");
    const shardHeaders: MinorBlockHeader[] = [];
    for (const m of root.minor_block_header_list) {
      const hash = minorBlockHash(m);
      if (m.branch.value === this.fullShardId) {
        if (!this.store.hasMinorBlock(hash)) throw new ValidationError("cannot find minor block in local shard");
        shardHeaders.push(m);
        continue;
      }
      const prevRoot = this.rootHeader(m.hash_prev_root_block);
      const count = prevRoot && initializedFullShardIdsBeforeRootHeight(config, prevRoot.height).length;
      if (
        !prevRoot ||
        prevRoot.height === this.shard.GENESIS.ROOT_HEIGHT ||
        !isNeighbor(this.fullShardId, m.branch.value, count!)
      ) {
        if (this.store.hasXshardTxList(hash))
          throw new ValidationError(`minor block ${hex(hash)} should not have been broadcast to this shard`);
        continue;
      }
      if (!this.store.hasXshardTxList(hash))
        throw new ValidationError(`cannot find x_shard tx list for ${m.branch.value}-${m.height} ${hex(hash)}`);
    }
    if (shardHeaders.length > maxBlocksInOneRootBlock(config, this.shard))
      throw new ValidationError("too many minor blocks in the root block for this shard");
    const lastInPrevHash = this.store.lastConfirmedAt(root.header.hash_prev_block);
    const lastInPrev = lastInPrevHash ? this.header(lastInPrevHash) : undefined;
    let shardHeader: MinorBlockHeader | undefined;
    if (shardHeaders.length > 0) {
      const first = shardHeaders[0]!;
      if (!(first.height === 0n || (lastInPrev && sameBytes(first.hash_prev_minor_block, minorBlockHash(lastInPrev)))))
        throw new ValidationError("the root block's first minor block does not follow the last one confirmed");
      shardHeader = shardHeaders[shardHeaders.length - 1]!;
    } else {
      shardHeader = lastInPrev;
    }
    this.store.putRootBlock(root, shardHeader ? minorBlockHash(shardHeader) : null);
    if (shardHeader) {
      const prevRoot = this.rootHeader(shardHeader.hash_prev_root_block);
      if (!prevRoot || !this.isSameRootChain(root.header, prevRoot))
        throw new ValidationError("the confirmed minor block's root block is not on this root chain");
    }
    if (root.header.total_difficulty <= this.rootTip.total_difficulty) return false;

    this.rootTip = root.header;
    this.confirmedTip = shardHeader;
    const origTip = this.headerTip;
    let tip = this.headerTip;
    if (shardHeader) {
      const orig = this.byHeight(shardHeader.height);
      if (!orig || !sameMinorHeader(orig.header, shardHeader)) tip = shardHeader;
    }
    for (;;) {
      const tipRoot = this.rootHeader(tip.hash_prev_root_block);
      if (tipRoot && this.isSameRootChain(this.rootTip, tipRoot)) break;
      if (tip.height === this.shard.GENESIS.HEIGHT) {
        // The genesis block of the root chain the new root tip is on.
        let r: RootBlockHeader | undefined = this.rootTip;
        while (r && r.height !== this.shard.GENESIS.ROOT_HEIGHT) r = this.rootHeader(r.hash_prev_block);
        const genesis = r && this.store.genesisBlockAt(rootBlockHash(r));
        if (!genesis) throw new ValidationError("no genesis block for the new root chain");
        tip = genesis.header;
        break;
      }
      const prev = this.header(tip.hash_prev_minor_block);
      if (!prev) throw new ValidationError("broken minor chain");
      tip = prev;
    }
    if (!sameMinorHeader(tip, origTip)) {
      const block = this.byHash(minorBlockHash(tip))!;
      this.updateTip(block, undefined);
      this.deps.log.info(
        { shard: this.fullShardId, from: origTip.height, to: tip.height, rootHeight: root.header.height },
        "shard tip reset by root block",
      );
    } else {
      this.saveTips();
    }
    return true;
  }

  /** A genesis block on another root block at the genesis root height (a root fork): stored, the tip stays. */
  addGenesisOnFork(root: RootBlock, genesis: MinorBlock): void {
    this.store.putRootBlock(root, null);
    this.store.putGenesisBlock(rootBlockHash(root.header), genesis, GENESIS_NOTE);
    this.countHeight(genesis);
  }

  // ---- Transactions ----

  /** ShardState.add_tx: whether the transaction joins the pool. */
  addTx(tx: TypedTransaction): boolean {
    if (this.pool.size > this.pool.limit) return false;
    const hash = typedTransactionHash(tx);
    if (this.store.txLocation(hash)) return false;
    if (this.pool.has(hash)) return false;
    let entry: PoolEntry;
    try {
      entry = poolEntry(tx, hash);
    } catch {
      return false;
    }
    const why = poolRejection(
      {
        config: this.deps.config,
        shard: this.shard,
        rootTipHeight: this.rootTip.height,
        state: this.tipState,
        stateTimestamp: this.stateTimestamp,
      },
      entry,
    );
    if (why !== undefined) {
      this.deps.log.debug({ shard: this.fullShardId, tx: hex(hash), reason: why }, "transaction refused");
      return false;
    }
    this.pool.add(entry);
    return true;
  }

  /** get_transaction_by_hash: (block, index) for a canonical block, or the pool's empty block. */
  transaction(hash: Uint8Array): { block: MinorBlock; index: number } | { pooled: TypedTransaction } | undefined {
    const at = this.store.txLocation(hash);
    if (at) {
      const block = this.byHeight(at.height);
      if (block) return { block, index: at.index };
    }
    const pooled = this.pool.get(hash);
    return pooled && { pooled };
  }
}

function decodable(tx: TypedTransaction): PoolEntry[] {
  try {
    return [poolEntry(tx)];
  } catch {
    return [];
  }
}

function sameCoinbase(a: TokenBalanceMap, b: TokenBalanceMap): boolean {
  const nz = (m: TokenBalanceMap) =>
    m.balance_map
      .filter(([, v]) => v !== 0n)
      .map(([k, v]) => `${k}:${v}`)
      .sort()
      .join(",");
  return nz(a) === nz(b);
}

function shardConfig(config: QuarkChainConfig, fullShardId: number): ShardConfig {
  const s = config.shards.get(fullShardId);
  if (!s) throw new Error(`full shard id 0x${fullShardId.toString(16)} is not in the network config`);
  return s;
}

/** The last minor block of `shard` a root block confirms: its own, else what its parent confirmed. */
export function lastConfirmedIn(store: ChainStore, root: RootBlock, shard: number): Uint8Array | null {
  const own = root.minor_block_header_list.filter((m) => m.branch.value === shard);
  if (own.length > 0) return minorBlockHash(own[own.length - 1]!);
  return store.lastConfirmedAt(root.header.hash_prev_block) ?? null;
}
