import { mkdirSync } from "node:fs";
import { type Database, type RootDatabase, open } from "lmdb";
import { RecordLog } from "./record-log.ts";

/**
 * The byte-level key-value store a ChainStore keeps its records in: synchronous reads,
 * atomic batches of writes. In memory by default; on disk with LMDB (one environment
 * per directory, one named database per shard, as pyquarkchain keeps a database per shard).
 */
export interface Kv {
  get(key: Uint8Array): Uint8Array | undefined;
  /**
   * Applies the puts (a value) and deletes (undefined) together, durably when on disk. The first
   * `handedOver` entries (default none) are records the caller gives up: the store may keep their
   * arrays as they are (the in-memory store does; a block's state records); the others' values
   * are copied. Keys may be kept: do not write into a key afterwards. What `get` returns is the
   * store's: do not write into it.
   */
  write(entries: ReadonlyArray<readonly [key: Uint8Array, value: Uint8Array | undefined]>, handedOver?: number): void;
}

/** A Kv whose keys can also be walked in order (a shard's chain store: the transaction history index). */
export interface RangeKv extends Kv {
  /** db.py's reversed_range_iter: the keys in (end, start], highest first (bytes compared as unsigned). */
  keysDown(start: Uint8Array, end: Uint8Array): Iterable<Uint8Array>;
}

/** Where the Kvs of a slave's shards come from. */
export interface KvEnv {
  /** The store of one shard (created empty on first use). */
  shard(fullShardId: number): RangeKv;
  close(): Promise<void>;
  /** Whether records outlive the process. */
  readonly persistent: boolean;
}

class MemoryKv implements RangeKv {
  private readonly log = new RecordLog();

  get(key: Uint8Array): Uint8Array | undefined {
    return this.log.get(key);
  }

  /** Every key is looked at, as pyquarkchain's InMemoryDb does; keys compare as unsigned bytes. */
  keysDown(start: Uint8Array, end: Uint8Array): Uint8Array[] {
    const keys: Uint8Array[] = [];
    for (const k of this.log.keys()) if (Buffer.compare(k, start) <= 0 && Buffer.compare(k, end) > 0) keys.push(k);
    return keys.sort((a, b) => Buffer.compare(b, a)).map((k) => k.slice());
  }

  /**
   * Puts the records in the log (record-log.ts): keys and most values are copied; the values
   * handed over (a commit's trie nodes, views into its own arena chunks) are kept where they are.
   */
  write(entries: ReadonlyArray<readonly [Uint8Array, Uint8Array | undefined]>, handedOver = 0): void {
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i]!;
      if (v === undefined) this.log.delete(k);
      else this.log.set(k, v, i < handedOver);
    }
  }
}

/** Every shard's store in memory: gone when the process ends. */
export class MemoryKvEnv implements KvEnv {
  readonly persistent = false;
  private readonly shards = new Map<number, MemoryKv>();

  shard(fullShardId: number): RangeKv {
    let kv = this.shards.get(fullShardId);
    if (!kv) this.shards.set(fullShardId, (kv = new MemoryKv()));
    return kv;
  }

  async close(): Promise<void> {}
}

class LmdbKv implements RangeKv {
  constructor(private readonly db: Database<Buffer, Uint8Array>) {}

  /**
   * One copy out of lmdb-js's reused read buffer (getBinary copied it into a Buffer, which we then
   * copied again: two malloc'd backing stores a read, the first garbage at once). The key is passed
   * as it is (lmdb-js copies it in with `set`): a Buffer over `key.buffer` made a small key's bytes,
   * kept in V8's heap until then, a malloc'd store of their own for the key's lifetime.
   */
  get(key: Uint8Array): Uint8Array | undefined {
    const v = this.db.getBinaryFast(key);
    if (v === undefined) return undefined;
    // v.length is the value's (lmdb-js sets it on the reused buffer); the array beneath is longer.
    const out = new Uint8Array(v.length);
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.length));
    return out;
  }

  /** LMDB's keys are ordered as unsigned bytes; a reverse range includes `start` and stops before `end`. */
  *keysDown(start: Uint8Array, end: Uint8Array): Iterable<Uint8Array> {
    if (Buffer.compare(start, end) <= 0) return;
    for (const key of this.db.getKeys({ start: Buffer.from(start), end: Buffer.from(end), reverse: true }))
      yield new Uint8Array(key);
  }

  write(entries: ReadonlyArray<readonly [Uint8Array, Uint8Array | undefined]>): void {
    if (entries.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        this.db.transactionSync(() => {
          // LMDB copies the bytes into its pages before putSync returns (inside transactionSync
          // lmdb-js executes each write at once): keys as they are (copied in with `set`), values
          // as Buffers over their memory, a small one through the scratch bytes (below).
          for (const [k, v] of entries) {
            if (v === undefined) this.db.removeSync(k);
            else this.db.putSync(k, v.length <= SMALL_VALUE ? scratchCopy(v) : view(v));
          }
        });
        return;
      } catch (err) {
        if (!isBadTxn(err) || attempt >= BAD_TXN_RETRIES) throw err;
        process.emitWarning(`LMDB commit aborted (${(err as Error).message.trim()}); retrying`, {
          code: "QKC_LMDB_BAD_TXN_RETRY",
        });
      }
    }
  }
}

const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * V8 keeps a typed array of up to 64 bytes inside its own heap; asking for its `.buffer` (which a
 * Buffer over it, and lmdb-js's address lookup, do) moves its bytes to a malloc'd store of their
 * own for the rest of its life, and adds two bookkeeping allocations. Hashes, heights and short
 * records written here live on in caches: copied into these bytes instead, they stay where they are.
 */
const SMALL_VALUE = 64;
const SCRATCH = Buffer.allocUnsafeSlow(SMALL_VALUE);
function scratchCopy(v: Uint8Array): Buffer {
  SCRATCH.set(v);
  return SCRATCH.subarray(0, v.length);
}

/**
 * lmdb-js 3.5.6's own freelist code (mdb.c mdb_freelist_save) can fail a commit with MDB_BAD_TXN
 * "reserved freelist had a data entry with zero-size, last id 1": its fill loop reads `data.mv_size`
 * before checking the cursor's MDB_NOTFOUND, so an id it skipped reserving is judged by an unset
 * MDB_val. bench:exec --rss 10000 --db-path stopped on it at height 1001 (twice) and 2501. The
 * failed commit is aborted whole (mdb_txn_commit -> mdb_txn_abort) and the abort drops the
 * in-memory freelist (mdb_txn_end, MDB_END_ABORT), so the same writes are retried on a freelist
 * reloaded from disk; anything else, or a repeat, is thrown.
 */
const MDB_BAD_TXN = -30782;
const BAD_TXN_RETRIES = 2;
const isBadTxn = (err: unknown): boolean =>
  err instanceof Error && (err as Error & { code?: unknown }).code === MDB_BAD_TXN;

/**
 * LMDB under `dir` (created if missing): a named database per shard, `shard-<full id hex>`.
 * Every write is a synchronous transaction, so a block that was answered for is on disk.
 */
export class LmdbKvEnv implements KvEnv {
  readonly persistent = true;
  private readonly root: RootDatabase<Buffer, Uint8Array>;
  private readonly shards = new Map<number, LmdbKv>();

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.root = open<Buffer, Uint8Array>({
      path: dir,
      maxDbs: 4096,
      encoding: "binary",
      keyEncoding: "binary",
      // Synchronous transactions only; LMDB's own durability (no async write batching).
      cache: false,
      // lmdb-js's default on Linux. Our commits are synchronous either way (transactionSync
      // without its no-sync flag: fsync before it returns); overlappingSync changes which txn the
      // freelist counts as oldest (me_synced_txn_id) and so the freelist records a commit reuses,
      // where lmdb-js's MDB_BAD_TXN bug lives (see isBadTxn). bench:exec --rss 10000 --db-path:
      // with it, one run in four stopped at 1001 here; without, 10000 blocks.
      overlappingSync: false,
    });
  }

  shard(fullShardId: number): RangeKv {
    let kv = this.shards.get(fullShardId);
    if (!kv) {
      const name = `shard-${fullShardId.toString(16).padStart(8, "0")}`;
      const db = this.root.openDB<Buffer, Uint8Array>({
        name,
        encoding: "binary",
        keyEncoding: "binary",
        cache: false,
      });
      this.shards.set(fullShardId, (kv = new LmdbKv(db)));
    }
    return kv;
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
