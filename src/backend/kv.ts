import { mkdirSync } from "node:fs";
import { type Database, type RootDatabase, open } from "lmdb";
import { hex } from "../codec/bytes.ts";

/**
 * The byte-level key-value store a ChainStore keeps its records in: synchronous reads,
 * atomic batches of writes. In memory by default; on disk with LMDB (one environment
 * per directory, one named database per shard, as pyquarkchain keeps a database per shard).
 */
export interface Kv {
  get(key: Uint8Array): Uint8Array | undefined;
  /** Applies the puts (a value) and deletes (undefined) together, durably when on disk. */
  write(entries: ReadonlyArray<readonly [key: Uint8Array, value: Uint8Array | undefined]>): void;
}

/** Where the Kvs of a slave's shards come from. */
export interface KvEnv {
  /** The store of one shard (created empty on first use). */
  shard(fullShardId: number): Kv;
  close(): Promise<void>;
  /** Whether records outlive the process. */
  readonly persistent: boolean;
}

class MemoryKv implements Kv {
  private readonly map = new Map<string, Uint8Array>();

  get(key: Uint8Array): Uint8Array | undefined {
    return this.map.get(hex(key));
  }

  write(entries: ReadonlyArray<readonly [Uint8Array, Uint8Array | undefined]>): void {
    for (const [k, v] of entries) {
      if (v === undefined) this.map.delete(hex(k));
      else this.map.set(hex(k), v.slice());
    }
  }
}

/** Every shard's store in memory: gone when the process ends. */
export class MemoryKvEnv implements KvEnv {
  readonly persistent = false;
  private readonly shards = new Map<number, MemoryKv>();

  shard(fullShardId: number): Kv {
    let kv = this.shards.get(fullShardId);
    if (!kv) this.shards.set(fullShardId, (kv = new MemoryKv()));
    return kv;
  }

  async close(): Promise<void> {}
}

class LmdbKv implements Kv {
  constructor(private readonly db: Database<Buffer, Buffer>) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const v = this.db.getBinary(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
    return v === undefined ? undefined : new Uint8Array(v);
  }

  write(entries: ReadonlyArray<readonly [Uint8Array, Uint8Array | undefined]>): void {
    if (entries.length === 0) return;
    this.db.transactionSync(() => {
      for (const [k, v] of entries) {
        const key = Buffer.from(k);
        if (v === undefined) this.db.removeSync(key);
        else this.db.putSync(key, Buffer.from(v));
      }
    });
  }
}

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
    });
  }

  shard(fullShardId: number): Kv {
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
