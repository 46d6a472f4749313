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
  constructor(private readonly db: Database<Buffer, Buffer>) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const v = this.db.getBinary(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
    return v === undefined ? undefined : new Uint8Array(v);
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
          // Views, not copies: LMDB copies the bytes into its pages before putSync returns.
          for (const [k, v] of entries) {
            const key = view(k);
            if (v === undefined) this.db.removeSync(key);
            else this.db.putSync(key, view(v));
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
  private readonly root: RootDatabase<Buffer, Buffer>;
  private readonly shards = new Map<number, LmdbKv>();

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.root = open<Buffer, Buffer>({
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
      const db = this.root.openDB<Buffer, Buffer>({ name, encoding: "binary", keyEncoding: "binary", cache: false });
      this.shards.set(fullShardId, (kv = new LmdbKv(db)));
    }
    return kv;
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
