import { hex, sameBytes } from "../../codec/bytes.ts";
import { keccak256 } from "../../crypto/keccak.ts";
import type { Kv } from "../kv.ts";
import { HashKeyedMap } from "./trie/hash-key.ts";
import { type ResolvedNode, SecureTrie, TrieNodeCache, TrieNodeDb } from "./trie/index.ts";

/**
 * The records of a world state — trie nodes, code, secure-trie key preimages — over a Kv, with
 * what was written since it was opened in front (pyquarkchain keeps them all in one `db`; code
 * under keccak(code), `Account.code`). Writes never reach the Kv underneath: each commit hands
 * them back as one batch (`takeBatch`), for the caller to store atomically with its block, and
 * they stay readable here meanwhile. Records are content-addressed and never deleted, so every
 * committed root stays readable and a state is opened anew per block at its root.
 *
 * Keys carry a two-letter tag so that a ChainStore's records can share the Kv: "tn" trie node
 * (the trie's TrieNodeDb), "cd" code, "pi" preimage.
 */

export { BLANK_ROOT } from "./trie/index.ts";
/** keccak256(b""): the code hash of an account without code (state.BLANK_HASH). */
export const BLANK_CODE_HASH = keccak256(new Uint8Array(0));

/** One record of a commit's batch, in Kv.write's form. */
export type StateWrite = readonly [key: Uint8Array, value: Uint8Array];

const CODE = Uint8Array.of(0x63, 0x64); // "cd"
const PREIMAGE = Uint8Array.of(0x70, 0x69); // "pi"
const EMPTY = new Uint8Array(0);

function tagged(tag: Uint8Array, hash: Uint8Array): Uint8Array {
  const key = new Uint8Array(tag.length + hash.length);
  key.set(tag);
  key.set(hash, tag.length);
  return key;
}

export class StateDb implements Kv {
  /**
   * Records written through this StateDb, for reads to find (keys are a tag and a hash: the hash
   * picks the bucket). Indexed only when something reads (see `index`): a block's state commits
   * once, and nothing reads its new records before they are stored and its state dropped.
   */
  private readonly written = new HashKeyedMap<Uint8Array>(2);
  /** Written since the last `takeBatch`; from `batch[indexed]` on, not yet in `written`. */
  private batch: StateWrite[] = [];
  private indexed = 0;
  /** Batches handed out before they were indexed, each with the position it was indexed up to. */
  private unindexed: [records: StateWrite[], from: number][] = [];
  /** Trie nodes committed since the last `takeNodes`. */
  private madeNodes: ResolvedNode[] = [];

  /** The trie's node store over this StateDb, so that nodes written by a commit are read back from here. */
  readonly nodes: TrieNodeDb;

  /**
   * `nodeCache`: decoded trie nodes, best shared by every StateDb of a shard (states are opened per
   * block; nodes are content-addressed, so a shared cache is never stale).
   */
  constructor(
    readonly base: Kv,
    nodeCache: TrieNodeCache = new TrieNodeCache(),
  ) {
    this.nodes = new TrieNodeDb(this, nodeCache);
  }

  /** The secure trie at `root` (state, storage and token tries are all secure tries). */
  openTrie(root: Uint8Array): SecureTrie {
    return new SecureTrie(this.nodes, root);
  }

  /**
   * Commits a trie's new nodes into this StateDb's records; returns its root. Nodes are not checked
   * against earlier records: a commit's nodes are new to its trie, and should an identical node come
   * twice (the same subtree in two tries), the content-addressed record is stored twice, harmlessly.
   */
  commitTrie(trie: SecureTrie): Uint8Array {
    const { root, writes, nodes } = trie.commit();
    // The trie hands over fresh arrays: the first commit's are taken as they are (the state trie's
    // commit is the only one of a block of plain transfers).
    if (this.batch.length === 0) {
      this.batch = writes as StateWrite[];
      this.indexed = 0;
    } else for (const w of writes) this.batch.push(w);
    if (this.madeNodes.length === 0) this.madeNodes = nodes;
    else for (const node of nodes) this.madeNodes.push(node);
    return root;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    if (this.indexed < this.batch.length || this.unindexed.length > 0) this.index();
    if (this.written.size === 0) return this.base.get(key); // a state that has not committed yet
    return this.written.get(key) ?? this.base.get(key);
  }

  /** Kv.write as the trie calls it: records, never deletions (nodes are content-addressed). */
  write(entries: ReadonlyArray<readonly [key: Uint8Array, value: Uint8Array | undefined]>): void {
    for (const [key, value] of entries) {
      if (value === undefined) throw new Error("StateDb records are never deleted");
      this.put(key, value);
    }
  }

  /** The records written since the last call, in write order. */
  takeBatch(): StateWrite[] {
    const out = this.batch;
    if (this.indexed < out.length) this.unindexed.push([out, this.indexed]);
    this.batch = [];
    this.indexed = 0;
    return out;
  }

  /** The trie nodes committed since the last call (their records are in the batches), for a node cache. */
  takeNodes(): ResolvedNode[] {
    const out = this.madeNodes;
    this.madeNodes = [];
    return out;
  }

  /** Code by its hash (Account.code); the empty code has no record. */
  code(codeHash: Uint8Array): Uint8Array {
    if (sameBytes(codeHash, BLANK_CODE_HASH)) return EMPTY;
    const code = this.get(tagged(CODE, codeHash));
    if (code === undefined) throw new MissingRecordError("code", codeHash);
    return code;
  }

  /** Stores code under its hash (Account.code's setter) and returns the hash. */
  putCode(code: Uint8Array): Uint8Array {
    if (code.length === 0) return BLANK_CODE_HASH;
    const hash = keccak256(code);
    this.put(tagged(CODE, hash), code);
    return hash;
  }

  /** SecureTrie.update's `db.put(sha3(key), key)`: lets a trie's entries be listed by key. */
  putPreimage(key: Uint8Array): void {
    this.put(tagged(PREIMAGE, keccak256(key)), key);
  }

  preimage(hashed: Uint8Array): Uint8Array {
    const key = this.get(tagged(PREIMAGE, hashed));
    if (key === undefined) throw new MissingRecordError("key preimage", hashed);
    return key;
  }

  /** A record other than a committed node (code, a preimage, a Kv.write): left out if this StateDb has it already. */
  private put(key: Uint8Array, value: Uint8Array): void {
    this.index();
    // Content-addressed: the same key is the same record.
    if (this.written.add(key, value)) {
      this.batch.push([key, value]);
      this.indexed = this.batch.length;
    }
  }

  /** Puts every record not yet in `written` there (the first read after a commit). */
  private index(): void {
    for (const [records, from] of this.unindexed) this.indexFrom(records, from);
    this.unindexed.length = 0;
    this.indexFrom(this.batch, this.indexed);
    this.indexed = this.batch.length;
  }

  private indexFrom(records: readonly StateWrite[], from: number): void {
    for (let i = from; i < records.length; i++) this.written.add(records[i]![0], records[i]![1]);
  }
}

/** A hash the state needs has no record here or in the Kv: the store is incomplete. */
export class MissingRecordError extends Error {
  override readonly name = "MissingRecordError";
  constructor(
    readonly what: "code" | "key preimage",
    readonly hash: Uint8Array,
  ) {
    super(`${what} ${hex(hash)} is not in the state db`);
  }
}
