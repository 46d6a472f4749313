import {
  type Codec,
  type Remembering,
  bytes,
  decode,
  decodePrefix,
  encode,
  owned,
  struct,
  uint32,
  uint64,
} from "../../codec/index.ts";
import {
  type CrossShardTransactionDeposit,
  CrossShardTransactionList,
  MinorBlock,
  MinorBlockHeader,
  RootBlock,
  typedTransactionHash,
} from "../../messages/core.ts";
import { minorBlockHash, rootBlockHash } from "./hashes.ts";
import { type Kv, type KvEnv, LmdbKvEnv, MemoryKvEnv, type RangeKv } from "../kv.ts";
import { historyKeys } from "./tx-history.ts";
import { txIndexRecords } from "./tx-index.ts";
import { key, u64 } from "./store-keys.ts";
import { Lru } from "./lru.ts";
import { BlockNote, STATE_GENESIS } from "./block-note.ts";
import { BatchedKv } from "../batched-kv.ts";
import type { ResolvedNode, TrieNodeCache } from "../state/trie/index.ts";
import { hex } from "../../codec/bytes.ts";

export { BlockNote, STATE_GENESIS, STATE_KNOWN, STATE_UNKNOWN } from "./block-note.ts";

/**
 * What the backend keeps of one shard, by the records pyquarkchain's ShardDbOperator keeps
 * (quarkchain/cluster/shard_db_operator.py): minor blocks by hash, the canonical index by
 * height, commit marks, root blocks with the last minor block each confirms, genesis blocks
 * by root block, cross-shard deposits by source block, the transaction index, and the tips.
 * Reads are synchronous; each write is atomic (and durable on disk).
 */
export interface ChainStore {
  readonly fullShardId: number;
  /**
   * Runs `fn` with the store's writes held back, then applies them in one Kv write (one LMDB
   * transaction): a block, its indexes and the tips go to disk together or not at all. Reads
   * inside `fn` see the held writes; if `fn` throws, nothing is written. Nested calls join the
   * outer one.
   */
  batch<T>(fn: () => T): T;
  /** What the decoded caches hold: entries, and the root blocks' confirmed headers (tests of the bounds). */
  cached(): { blocks: number; roots: number; rootHeaders: number; headers: number };
  /**
   * Does now the work the store put off after its last writes (the node cache's admission of a
   * stored block's trie nodes, otherwise done once the current turn of the event loop ends).
   * Nothing a read answers depends on it; the next block's execution runs faster after it.
   */
  settle(): void;
  minorBlock(hash: Uint8Array): MinorBlock | undefined;
  /** A stored block's header, without decoding (or keeping) its transactions. */
  minorHeader(hash: Uint8Array): MinorBlockHeader | undefined;
  hasMinorBlock(hash: Uint8Array): boolean;
  /** What was derived when the block was added (undefined for a block not stored). */
  blockNote(hash: Uint8Array): BlockNote | undefined;
  /** Stores the block, with what running it produced when it ran (one atomic write). */
  putMinorBlock(block: MinorBlock, note: BlockNote, executed?: ExecutedRecords): void;
  /** The encoded receipts stored with an executed block (tx receipts, then deposit receipts). */
  receipts(hash: Uint8Array): Uint8Array | undefined;
  /** The hashes of the deposits an executed block received, in order. */
  depositHashes(hash: Uint8Array): Uint8Array[] | undefined;
  /** The Kv the shard's world state keeps its records in (trie nodes "tn", code "cd", preimages "pi"). */
  readonly stateKv: Kv;
  /** The canonical block hash at `height`. */
  canonicalHash(height: bigint): Uint8Array | undefined;
  /**
   * Rewrites the canonical index: `put` (height -> hash) and `drop` (heights removed),
   * with the transaction index of the blocks leaving and joining the chain.
   */
  rewriteCanonical(change: CanonicalChange): void;
  isCommitted(hash: Uint8Array): boolean;
  commit(hash: Uint8Array): void;
  /** Writes what waits for the store's next write now (before closing). */
  flush(): void;
  /** Where a transaction of a canonical block is: (height, index in tx_list). */
  txLocation(txHash: Uint8Array): { height: bigint; index: number } | undefined;
  /**
   * ENABLE_TRANSACTION_HISTORY: executed blocks keep the deposits they received, and the
   * canonical chain's transactions are indexed by address (chain/tx-history.ts).
   */
  readonly transactionHistory: boolean;
  /** The deposits an executed block received, kept with history on (pyquarkchain's xr_ record); else []. */
  receivedDeposits(hash: Uint8Array): CrossShardTransactionDeposit[];
  /** The history index's keys in (end, start], highest first. */
  historyKeysDown(start: Uint8Array, end: Uint8Array): Iterable<Uint8Array>;
  rootBlock(hash: Uint8Array): RootBlock | undefined;
  hasRootBlock(hash: Uint8Array): boolean;
  /** Stores a root block with the hash of the last minor block of this shard it confirms (null: none yet). */
  putRootBlock(block: RootBlock, lastConfirmed: Uint8Array | null): void;
  /** The last minor block of this shard confirmed at this root block: a hash, null (none), undefined (unknown root). */
  lastConfirmedAt(rootHash: Uint8Array): Uint8Array | null | undefined;
  /** The genesis block created on this root block. */
  genesisBlockAt(rootHash: Uint8Array): MinorBlock | undefined;
  putGenesisBlock(rootHash: Uint8Array, block: MinorBlock, note: BlockNote, executed?: ExecutedRecords): void;
  xshardTxList(sourceBlockHash: Uint8Array): CrossShardTransactionList | undefined;
  hasXshardTxList(sourceBlockHash: Uint8Array): boolean;
  /** `encoded`, when given, must be exactly encode(CrossShardTransactionList, list). */
  putXshardTxList(sourceBlockHash: Uint8Array, list: CrossShardTransactionList, encoded?: Uint8Array): void;
  tips(): StoredTips | undefined;
  putTips(tips: StoredTips): void;
}

/**
 * What run_block produced for a block, stored in the block's own write: the state's new records
 * (WorldState.commit's batch) and the receipts, encoded by the caller.
 */
export interface ExecutedRecords {
  stateWrites: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
  /** The trie nodes among stateWrites, for the shard's node cache to admit once they are stored. */
  stateNodes?: { cache: TrieNodeCache; nodes: readonly ResolvedNode[] };
  receipts?: Uint8Array;
  /** The tx_hash of each deposit the block received, concatenated (put_minor_block's xshard deposit hash list). */
  depositHashes?: Uint8Array;
  /** The deposits the block received, kept when the store keeps transaction history. */
  received?: readonly CrossShardTransactionDeposit[];
}

export interface CanonicalChange {
  put: ReadonlyArray<MinorBlock>;
  drop: ReadonlyArray<MinorBlock>;
}

/** The shard's tips as last written: header tip, root tip, last block a root block confirmed. */
export interface StoredTips {
  header: Uint8Array;
  root: Uint8Array;
  confirmed: Uint8Array | null;
}

/** An all-zero `confirmed` means none. */
const TipsRecord = struct("StoredTips", { header: bytes(32), root: bytes(32), confirmed: bytes(32) });
const TxLocation = struct("TxLocation", { height: uint64, index: uint32 });

const ZERO32 = new Uint8Array(32);
const EMPTY = new Uint8Array(0);
/** Trie nodes admitted to the node cache per turn of the event loop (some 0.2 ms). */
const ADMIT_SLICE = 256;
type Entry = readonly [Uint8Array, Uint8Array | undefined];
/**
 * The minor headers the decoded root blocks may hold in all, and the decoded headers kept apart: 2,048
 * each (8x the 256 ancestors a block runs with). The heap settles ~1,000 blocks after these caches fill:
 * at 4,096 that was inside bench:exec --rss's judged half (2.3-3.6 KB a block, NOT flat; README).
 */
export const ROOT_HEADERS_KEPT = 2048;

/** A ChainStore over a Kv: each record encoded with the wire codecs, recent blocks kept decoded. */
export class KvChainStore implements ChainStore {
  /**
   * Recent blocks, decoded (the tip, its parents, the blocks of the last root blocks), bounded by
   * their encoded size too: a full block decoded takes several hundred kB, and RSS must stay flat.
   */
  private readonly blocks = new Lru<MinorBlock>(1024, 4 << 20, (b) => MinorBlock.remembered(b)?.length ?? 0);
  /**
   * Recent root blocks, decoded, bounded by the minor headers they hold too: one may confirm hundreds
   * (some 1.3 kB each decoded), and 256 by count alone kept the live heap growing with the chain.
   */
  private readonly roots = new Lru<RootBlock>(256, ROOT_HEADERS_KEPT, (b) => b.minor_block_header_list.length);
  /**
   * Recent headers: the walks over the last blocks (the 256 previous hashes a block runs with, the
   * last minute's shard stats) reach past the decoded blocks, and a header is a few hundred bytes
   * where a full block takes tens of kB to decode again.
   */
  private readonly headers = new Lru<MinorBlockHeader>(ROOT_HEADERS_KEPT);
  private readonly kv: BatchedKv;
  /** The Kv the world state reads and writes through (a batch holds its writes too). */
  readonly stateKv: Kv;

  readonly transactionHistory: boolean;

  constructor(
    readonly fullShardId: number,
    kv: RangeKv,
    opts: StoreOptions = {},
  ) {
    this.kv = new BatchedKv(kv);
    this.stateKv = this.kv;
    this.transactionHistory = opts.transactionHistory ?? false;
  }

  batch<T>(fn: () => T): T {
    return this.kv.batch(fn);
  }

  cached(): { blocks: number; roots: number; rootHeaders: number; headers: number } {
    const r = this.roots;
    return { blocks: this.blocks.size, roots: r.size, rootHeaders: r.weight, headers: this.headers.size };
  }

  settle(): void {
    this.kv.settle();
  }

  /** Keeps a decoded block; inside a batch, only if the batch is written. */
  private keep<B>(cache: Lru<B>, k: string, block: B): void {
    cache.set(k, block);
    this.kv.ifDropped(() => cache.delete(k));
  }

  minorBlock(hash: Uint8Array): MinorBlock | undefined {
    return this.cachedBlock(this.blocks, "mb", MinorBlock, hash);
  }

  minorHeader(hash: Uint8Array): MinorBlockHeader | undefined {
    const h = hex(hash);
    const known = this.headers.get(h) ?? this.blocks.get(h)?.header;
    if (known !== undefined) return known;
    const raw = this.kv.get(key("mb", hash));
    if (raw === undefined) return undefined;
    const header = decodePrefix(MinorBlockHeader, raw).value; // a MinorBlock's encoding starts with its header
    this.keep(this.headers, h, header);
    return header;
  }

  hasMinorBlock(hash: Uint8Array): boolean {
    return this.blocks.get(hex(hash)) !== undefined || this.kv.get(key("mb", hash)) !== undefined;
  }

  blockNote(hash: Uint8Array): BlockNote | undefined {
    const raw = this.kv.get(key("mn", hash));
    return raw && (decode(BlockNote, raw) as BlockNote);
  }

  putMinorBlock(block: MinorBlock, note: BlockNote, executed?: ExecutedRecords, also: Entry[] = []): void {
    const hash = minorBlockHash(block.header);
    // The stored bytes are the block's answer to every later request for it.
    let bytes = MinorBlock.remembered(block);
    if (bytes === undefined) MinorBlock.remember(block, (bytes = owned(encode(MinorBlock, block))));
    // One write: the block is stored whole (state records, receipts) or not at all.
    const writes: Entry[] = [];
    if (executed?.receipts) writes.push([key("rc", hash), executed.receipts]);
    if (executed?.depositHashes) writes.push([key("xd", hash), executed.depositHashes]);
    if (executed?.received?.length && this.transactionHistory)
      writes.push([
        key("xr", hash),
        encode(CrossShardTransactionList, { tx_list: [...executed.received], version: 1 }),
      ]);
    writes.push([key("mb", hash), bytes], [key("mn", hash), encode(BlockNote, note)], ...also);
    this.kv.batch(() => {
      if (executed !== undefined) this.kv.writeHashed(executed.stateWrites); // not copied into `writes`
      this.kv.write(writes);
    });
    this.keep(this.blocks, hex(hash), block);
    this.keep(this.headers, hex(hash), block.header);
    const made = executed?.stateNodes;
    // Not on the way to the block's answer (the nodes are read from the store until then), in slices.
    if (made !== undefined) {
      let at = 0;
      this.kv.afterWriteSoon(() => {
        const end = Math.min(made.nodes.length, at + ADMIT_SLICE);
        made.cache.admit(at === 0 && end === made.nodes.length ? made.nodes : made.nodes.slice(at, end));
        return (at = end) < made.nodes.length;
      });
    }
  }

  receipts(hash: Uint8Array): Uint8Array | undefined {
    return this.kv.get(key("rc", hash));
  }

  depositHashes(hash: Uint8Array): Uint8Array[] | undefined {
    const raw = this.kv.get(key("xd", hash));
    if (raw === undefined) return undefined;
    const out: Uint8Array[] = [];
    for (let i = 0; i + 32 <= raw.length; i += 32) out.push(raw.slice(i, i + 32));
    return out;
  }

  /** put_transaction_index_from_block's hashes: the transactions, then the deposits received. */
  private indexedHashes(block: MinorBlock): Uint8Array[] {
    return [...block.tx_list.map(typedTransactionHash), ...(this.depositHashes(minorBlockHash(block.header)) ?? [])];
  }

  canonicalHash(height: bigint): Uint8Array | undefined {
    return this.kv.get(key("mi", u64(height)));
  }

  rewriteCanonical(change: CanonicalChange): void {
    const writes: Array<[Uint8Array, Uint8Array | undefined]> = [];
    for (const block of change.drop) {
      writes.push([key("mi", u64(block.header.height)), undefined]);
      for (const h of this.indexedHashes(block)) writes.push([key("ti", h), undefined]);
      for (const k of this.historyKeysOf(block)) writes.push([k, undefined]);
    }
    for (const block of change.put) {
      writes.push([key("mi", u64(block.header.height)), minorBlockHash(block.header)]);
      txIndexRecords(this.indexedHashes(block), block.header.height, writes);
      for (const k of this.historyKeysOf(block)) writes.push([k, EMPTY]);
    }
    this.kv.write(writes);
  }

  private historyKeysOf(block: MinorBlock): Uint8Array[] {
    if (!this.transactionHistory) return [];
    return historyKeys(this.fullShardId, block, this.receivedDeposits(minorBlockHash(block.header)));
  }

  receivedDeposits(hash: Uint8Array): CrossShardTransactionDeposit[] {
    const raw = this.kv.get(key("xr", hash));
    return raw ? decode(CrossShardTransactionList, raw).tx_list : [];
  }

  historyKeysDown(start: Uint8Array, end: Uint8Array): Iterable<Uint8Array> {
    return this.kv.keysDown(start, end);
  }

  isCommitted(hash: Uint8Array): boolean {
    return this.kv.get(key("cm", hash)) !== undefined;
  }

  /** With the next write (the next block's: one LMDB sync fewer a block). A crash may lose it: the
   * block is then added again, as pyquarkchain's add_block(force=True) does for one not marked. */
  commit(hash: Uint8Array): void {
    this.kv.writeWithNext([[key("cm", hash), EMPTY]]);
  }

  flush(): void {
    this.kv.flush();
  }

  txLocation(txHash: Uint8Array): { height: bigint; index: number } | undefined {
    const raw = this.kv.get(key("ti", txHash));
    return raw && decode(TxLocation, raw);
  }

  rootBlock(hash: Uint8Array): RootBlock | undefined {
    return this.cachedBlock(this.roots, "rb", RootBlock, hash);
  }

  /** A block by hash: decoded once from the store, then kept in `cache`. */
  private cachedBlock<B>(
    cache: Lru<B>,
    prefix: string,
    codec: Codec<B> & Partial<Remembering<B>>,
    hash: Uint8Array,
  ): B | undefined {
    const h = hex(hash);
    const cached = cache.get(h);
    if (cached) return cached;
    const raw = this.kv.get(key(prefix, hash));
    if (!raw) return undefined;
    const block = decode(codec, raw);
    codec.remember?.(block, owned(raw)); // the KV's value is not changed afterwards (a copy from disk)
    this.keep(cache, h, block);
    return block;
  }

  /** Asks the store, not the decoder: a root block dropped from `roots` may confirm hundreds of headers. */
  hasRootBlock(hash: Uint8Array): boolean {
    return this.roots.get(hex(hash)) !== undefined || this.kv.get(key("rb", hash)) !== undefined;
  }

  putRootBlock(block: RootBlock, lastConfirmed: Uint8Array | null): void {
    const hash = rootBlockHash(block.header);
    this.kv.write([
      [key("rb", hash), encode(RootBlock, block)],
      [key("rl", hash), lastConfirmed ?? EMPTY],
    ]);
    this.keep(this.roots, hex(hash), block);
  }

  lastConfirmedAt(rootHash: Uint8Array): Uint8Array | null | undefined {
    const raw = this.kv.get(key("rl", rootHash));
    if (raw === undefined) return undefined;
    return raw.length === 0 ? null : raw;
  }

  genesisBlockAt(rootHash: Uint8Array): MinorBlock | undefined {
    const hash = this.kv.get(key("gb", rootHash));
    return hash && this.minorBlock(hash);
  }

  putGenesisBlock(rootHash: Uint8Array, block: MinorBlock, note: BlockNote, executed?: ExecutedRecords): void {
    this.putMinorBlock(block, note, executed, [[key("gb", rootHash), minorBlockHash(block.header)]]);
  }

  xshardTxList(sourceBlockHash: Uint8Array): CrossShardTransactionList | undefined {
    const raw = this.kv.get(key("xs", sourceBlockHash));
    return raw && decode(CrossShardTransactionList, raw);
  }

  hasXshardTxList(sourceBlockHash: Uint8Array): boolean {
    return this.kv.get(key("xs", sourceBlockHash)) !== undefined;
  }

  putXshardTxList(sourceBlockHash: Uint8Array, list: CrossShardTransactionList, encoded?: Uint8Array): void {
    this.kv.write([[key("xs", sourceBlockHash), encoded ?? encode(CrossShardTransactionList, list)]]);
  }

  tips(): StoredTips | undefined {
    const raw = this.kv.get(key("tp"));
    if (!raw) return undefined;
    const t = decode(TipsRecord, raw);
    return { header: t.header, root: t.root, confirmed: t.confirmed.every((b) => b === 0) ? null : t.confirmed };
  }

  putTips(tips: StoredTips): void {
    this.kv.write([[key("tp"), encode(TipsRecord, { ...tips, confirmed: tips.confirmed ?? ZERO32 })]]);
  }
}

export interface StoreOptions {
  /** ENABLE_TRANSACTION_HISTORY (cluster config). */
  transactionHistory?: boolean;
}

/** The chain stores of a slave's shards, over one KvEnv. */
export class ChainDb {
  private readonly stores = new Map<number, ChainStore>();

  constructor(private readonly env: KvEnv) {}

  /** In memory (the default): nothing outlives the process. */
  static memory(): ChainDb {
    return new ChainDb(new MemoryKvEnv());
  }

  /** On disk under `dir` (LMDB): blocks survive a restart. */
  static open(dir: string): ChainDb {
    return new ChainDb(new LmdbKvEnv(dir));
  }

  get persistent(): boolean {
    return this.env.persistent;
  }

  /** `opts` apply when the shard's store is first asked for. */
  shard(fullShardId: number, opts: StoreOptions = {}): ChainStore {
    let store = this.stores.get(fullShardId);
    if (!store)
      this.stores.set(fullShardId, (store = new KvChainStore(fullShardId, this.env.shard(fullShardId), opts)));
    return store;
  }

  /** Writes what waits (commit marks), then closes the Kvs. */
  async close(): Promise<void> {
    try {
      for (const store of this.stores.values()) store.flush();
    } finally {
      await this.env.close();
    }
  }
}
