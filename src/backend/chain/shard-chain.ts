import type { Logger } from "pino";
import { encode } from "../../codec/index.ts";
import type { QuarkChainConfig, ShardConfig } from "../../config/cluster-config.ts";
import {
  type CrossShardTransactionList,
  type MinorBlock,
  type MinorBlockHeader,
  type RootBlock,
  type RootBlockHeader,
  MinorBlockHeader as MinorBlockHeaderCodec,
  RootBlockHeader as RootBlockHeaderCodec,
} from "../../messages/core.ts";
import { ValidationError } from "./block-rules.ts";
import {
  type BlockNote,
  type CanonicalChange,
  type ChainStore,
  type ExecutedRecords,
  STATE_GENESIS,
} from "./chain-store.ts";
import { genesisStateRecords } from "./genesis-state.ts";
import { MissingTrieNodeError } from "../state/trie/index.ts";
import { WorldState } from "../state/world-state.ts";
import { minorBlockHash, rootBlockHash } from "./hashes.ts";
import { type ValidateOptions, validateBlock, validateRootBlock } from "./validate.ts";

export type { ValidateOptions } from "./validate.ts";
import { hex, sameBytes } from "../../codec/bytes.ts";

const GENESIS_NOTE: BlockNote = { total_tx_count: 0, state: STATE_GENESIS, coinbase_key: 0 };
const sameMinorHeader = (a: MinorBlockHeader, b: MinorBlockHeader) =>
  sameBytes(encode(MinorBlockHeaderCodec, a), encode(MinorBlockHeaderCodec, b));
const sameRootHeader = (a: RootBlockHeader, b: RootBlockHeader) =>
  sameBytes(encode(RootBlockHeaderCodec, a), encode(RootBlockHeaderCodec, b));

export interface ShardChainDeps {
  config: QuarkChainConfig;
  store: ChainStore;
  log: Logger;
  /** Unix time in seconds. */
  now: () => bigint;
}

/**
 * What adding a block or a root block changed: whether the shard tip moved, and the blocks
 * that left (`drop`) and joined (`put`) the canonical chain, whose transactions leave or
 * rejoin the pool.
 */
export interface Reorg extends CanonicalChange {
  tipMoved: boolean;
}

const NO_REORG: Reorg = { tipMoved: false, put: [], drop: [] };

/**
 * One shard's chain, as pyquarkchain's ShardState keeps it (quarkchain/cluster/shard_state.py)
 * without state or execution: the block store, tips, the canonical chain, root blocks and
 * cross-shard deposits, and the validation rules that need no EVM. Blocks are validated
 * and added by the Shard's pipeline; `add` and `addRootBlock` say what changed (Reorg).
 */
export class ShardChain {
  readonly fullShardId: number;
  readonly shard: ShardConfig;
  readonly store: ChainStore;
  rootTip: RootBlockHeader;
  headerTip: MinorBlockHeader;
  /** The last block of this shard a root block on the root tip's chain confirmed. */
  confirmedTip: MinorBlockHeader | undefined;
  /** Made by recover (init_from_root_block), not fromGenesis (init_genesis_state), even when the tip is genesis. */
  recovered = false;
  private lastUnconfirmed:
    | { tip: MinorBlockHeader; confirmed: MinorBlockHeader | undefined; max: number; list: readonly MinorBlockHeader[] }
    | undefined;
  private readonly deps: ShardChainDeps;
  /** height -> block hashes added in this process (pyquarkchain's height_to_minor_block_hashes). */
  private readonly heightHashes = new Map<bigint, Set<string>>();
  /** The heights of heightHashes with more than one block, and how many more (forks are rare: the stats sum these). */
  private readonly forked = new Map<bigint, number>();
  /** The tip's hash, kept while headerTip is the same object: every eco info and add_tx asks for it. */
  private tipHashMemo: { header: MinorBlockHeader; hash: Uint8Array } | undefined;

  private constructor(deps: ShardChainDeps, shard: ShardConfig, rootTip: RootBlockHeader, headerTip: MinorBlockHeader) {
    this.deps = deps;
    this.shard = shard;
    this.fullShardId = shard.fullShardId;
    this.store = deps.store;
    this.rootTip = rootTip;
    this.headerTip = headerTip;
    this.confirmedTip = undefined;
  }

  /**
   * init_genesis_state: the genesis block on `root` (the root block at GENESIS.ROOT_HEIGHT)
   * becomes the tip, whatever the store held before (its blocks stay stored).
   */
  static fromGenesis(deps: ShardChainDeps, root: RootBlock, genesis: MinorBlock): ShardChain {
    const shard = shardConfig(deps.config, deps.store.fullShardId);
    const rootHash = rootBlockHash(root.header);
    deps.store.putRootBlock(root, null);
    deps.store.putGenesisBlock(rootHash, genesis, GENESIS_NOTE, genesisStateRecords(deps.config, deps.store, genesis));
    const chain = new ShardChain(deps, shard, root.header, genesis.header);
    chain.countHeight(genesis);
    chain.rewriteIndexTo(genesis);
    chain.saveTips();
    return chain;
  }

  /**
   * init_from_root_block after a restart: the tip is the last block of this shard the root
   * tip confirms (else the stored genesis block); the blocks above it stay stored. pyquarkchain's
   * master shuts down when it loses a slave (master.py SlaveConnection.close), so a slave restart is
   * a cluster restart, and the cluster goes on from the confirmed tips.
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
    // A store written before blocks were executed lacks the genesis state's records.
    if (genesis) store.stateKv.write(genesisStateRecords(deps.config, store, genesis).stateWrites);
    const chain = new ShardChain(deps, shard, root.header, tip.header);
    chain.confirmedTip = confirmed?.header;
    chain.recovered = true;
    chain.rewriteIndexTo(tip);
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

  /** Height of the last block a root block has confirmed; -1 until one does. */
  get confirmedHeight(): bigint {
    return this.confirmedTip?.height ?? -1n;
  }

  byHash(hash: Uint8Array): MinorBlock | undefined {
    return this.store.minorBlock(hash);
  }

  header(hash: Uint8Array): MinorBlockHeader | undefined {
    return this.store.minorHeader(hash);
  }

  /** A balance in the state after a stored block (PoSW's stake); undefined when that state is not here. */
  balanceAfter(blockHash: Uint8Array, recipient: Uint8Array, tokenId: bigint): bigint | undefined {
    const root = this.store.minorBlock(blockHash)?.meta.hash_evm_state_root;
    try {
      return root && WorldState.open(this.store.stateKv, root).getBalance(recipient, tokenId);
    } catch (err) {
      if (err instanceof MissingTrieNodeError) return undefined;
      throw err;
    }
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

  // ---- Blocks ----

  /** validate_block without the EVM (validate.ts); throws ValidationError. */
  validate(block: MinorBlock, opts: ValidateOptions = {}): void {
    this.store.settle(); // the last block's nodes into the node cache, before this one runs on them
    validateBlock(this.deps.config, this.deps.now, this, block, opts);
  }

  /**
   * ShardState.add_block's store step, for a block the pipeline has validated: stores it
   * with what was derived of its state (`state`, `coinbase_key` of BlockNote) and moves the
   * tip by pyquarkchain's rules. What changed.
   */
  add(block: MinorBlock, derived: Pick<BlockNote, "state" | "coinbase_key">, executed?: ExecutedRecords): Reorg {
    const h = block.header;
    const parentNote = this.store.blockNote(h.hash_prev_minor_block);
    const note = { total_tx_count: (parentNote?.total_tx_count ?? 0) + block.tx_list.length, ...derived };
    const tip = this.headerTip;
    try {
      // The block, the canonical index and the tips in one write (one LMDB transaction).
      const reorg = this.store.batch(() => {
        this.store.putMinorBlock(block, note, executed);
        return this.shouldBecomeTip(block) ? this.updateTip(block) : NO_REORG;
      });
      this.countHeight(block);
      return reorg;
    } catch (err) {
      this.headerTip = tip; // nothing was written
      throw err;
    }
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

  private updateTip(block: MinorBlock): Reorg {
    const tip = this.headerTip;
    try {
      return this.store.batch(() => {
        const change = this.rewriteIndexTo(block);
        this.headerTip = block.header;
        this.saveTips();
        return { tipMoved: true, ...change };
      });
    } catch (err) {
      this.headerTip = tip; // nothing was written
      throw err;
    }
  }

  private isLinkedToConfirmedTip(header: MinorBlockHeader): boolean {
    const confirmed = this.confirmedTip;
    if (!confirmed) return true;
    if (header.height <= confirmed.height) return false;
    let h: MinorBlockHeader | undefined = header;
    while (h && h.height > confirmed.height) h = this.header(h.hash_prev_minor_block);
    return !!h && sameMinorHeader(h, confirmed);
  }

  isSameMinorChain(longer: MinorBlockHeader, shorter: MinorBlockHeader): boolean {
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
  private rewriteIndexTo(block: MinorBlock): CanonicalChange {
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
    const change = { drop: old, put: fresh };
    this.store.rewriteCanonical(change);
    return change;
  }

  private countHeight(block: MinorBlock): void {
    const height = block.header.height;
    let set = this.heightHashes.get(height);
    if (!set) this.heightHashes.set(height, (set = new Set()));
    set.add(hex(minorBlockHash(block.header)));
    if (set.size > 1) this.forked.set(height, set.size - 1);
    this.heightHashes.delete(height - 4096n);
    this.forked.delete(height - 4096n);
  }

  private saveTips(): void {
    this.store.putTips({
      header: this.tipHash,
      root: rootBlockHash(this.rootTip),
      confirmed: this.confirmedTip ? minorBlockHash(this.confirmedTip) : null,
    });
  }

  /** Blocks this process stored at the heights in [lo, hi] beyond one a height (shard stats' stale count; the last 4096 heights). */
  staleBlocksBetween(lo: bigint, hi: bigint): number {
    let n = 0;
    for (const [height, extra] of this.forked) if (height >= lo && height <= hi) n += extra;
    return n;
  }

  // ---- Root blocks ----

  /**
   * ShardState.add_root_block (root height above the genesis root height): the root block
   * must follow a known one and confirm only known local blocks, with the neighbours'
   * deposits present; a heavier root block becomes the root tip and may move the shard tip.
   * What changed when the root tip switched; undefined when it did not. Throws ValidationError.
   */
  addRootBlock(root: RootBlock): Reorg | undefined {
    const shardHeader = validateRootBlock(this.deps.config, this, root);
    this.store.putRootBlock(root, shardHeader ? minorBlockHash(shardHeader) : null);
    if (shardHeader) {
      const prevRoot = this.rootHeader(shardHeader.hash_prev_root_block);
      if (!prevRoot || !this.isSameRootChain(root.header, prevRoot))
        throw new ValidationError("the confirmed minor block's root block is not on this root chain");
    }
    if (root.header.total_difficulty <= this.rootTip.total_difficulty) return undefined;

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
    if (sameMinorHeader(tip, origTip)) {
      this.saveTips();
      return NO_REORG;
    }
    const reorg = this.updateTip(this.byHash(minorBlockHash(tip))!);
    this.deps.log.info(
      { shard: this.fullShardId, from: origTip.height, to: tip.height, rootHeight: root.header.height },
      "shard tip reset by root block",
    );
    return reorg;
  }

  /** A genesis block on another root block at the genesis root height (a root fork): stored, the tip stays. */
  addGenesisOnFork(root: RootBlock, genesis: MinorBlock): void {
    this.store.putRootBlock(root, null);
    const records = genesisStateRecords(this.deps.config, this.store, genesis);
    this.store.putGenesisBlock(rootBlockHash(root.header), genesis, GENESIS_NOTE, records);
    this.countHeight(genesis);
  }
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
