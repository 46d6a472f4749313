import { hex } from "../../../codec/bytes.ts";
import { type Kv, MemoryKvEnv } from "../../kv.ts";
import { branchSlot, childAt, childHashAt, decodeNode } from "./decode.ts";
import { TrieNodeCache } from "./node-cache.ts";
import { type BranchNode, type CacheEntry, HASHED, type HashedNode, type ResolvedNode, type TrieNode } from "./node.ts";

/** One record for Kv.write: a node's RLP under its prefixed hash. */
export type TrieWrite = readonly [key: Uint8Array, value: Uint8Array];

/**
 * Where trie nodes live: keccak256(rlp(node)) → rlp(node) in a Kv, under the key prefix
 * "tn" ("trie node"). ChainStore's records share the Kv and each begins with its own
 * two-letter tag (mb, mn, mi, ti, cm, rb, rl, gb, xs, tp), so a distinct tag keeps the two
 * key spaces apart whatever the hashes are. Nodes are never deleted (pyquarkchain's trie
 * never deletes either: its `deletes` list is dropped by State.commit), so every root ever
 * committed stays readable.
 *
 * Decoded nodes are kept in a TrieNodeCache, which may be shared with the other TrieNodeDbs
 * of the same shard (see there).
 */
export class TrieNodeDb {
  static readonly PREFIX = new Uint8Array([0x74, 0x6e]); // "tn"

  /** Nodes read from the Kv (cache misses): what the cache saves is visible in tests and metrics. */
  reads = 0;

  constructor(
    readonly kv: Kv,
    readonly cache = new TrieNodeCache(),
  ) {}

  /** A store of its own in memory: ephemeral states, tests. */
  static memory(): TrieNodeDb {
    return new TrieNodeDb(new MemoryKvEnv().shard(0));
  }

  keyOf(hash: Uint8Array): Uint8Array {
    const key = new Uint8Array(TrieNodeDb.PREFIX.length + hash.length);
    key.set(TrieNodeDb.PREFIX);
    key.set(hash, TrieNodeDb.PREFIX.length);
    return key;
  }

  /** The node with this hash; throws MissingTrieNodeError if the store does not have it. */
  load(hash: Uint8Array): ResolvedNode {
    return this.cache.get(hash) ?? this.read(hash);
  }

  /** The node itself, reading it from the store if only its hash is known. */
  resolve(node: TrieNode): ResolvedNode {
    if (node.kind !== HASHED) return node;
    return this.cache.resolve(node) ?? this.read(node.hash, node);
  }

  /**
   * Child `slot` of a branch: one of its children, or, if it is packed (node.ts), read from its
   * record: none, an inline node, or the node by hash from the cache or else the store (looked
   * up by the record's bytes in place: no HashedNode made for a slot that is only walked through).
   * `memo` (a branch near the top of its trie, which every block reads): the branch remembers the
   * cache entry found (BranchNode.kids, of the record read), and the next walk down that slot
   * looks no hash up. A slot a copy holds is never read from the record, nor its memo.
   */
  child(n: BranchNode, slot: number, memo = false): TrieNode | undefined {
    const children = n.children;
    let enc: Uint8Array;
    if (children === undefined) enc = n.enc!;
    else if ((n.own >> slot) & 1) return children[slot];
    else enc = n.base ?? n.enc!; // a copy holding only the slots its edits set (node.ts): this one is in a record
    const at = branchSlot(enc, slot);
    const first = enc[at];
    if (first === 0x80) return undefined;
    if (first !== 0xa0) return childAt(enc, at); // an inline node (under 32 bytes)
    if (!memo) return this.cache.getAt(enc, at + 1) ?? this.read(childHashAt(enc, at));
    const kids = (n.kids ??= new Array<CacheEntry | undefined>(16));
    const known = this.cache.recall(kids[slot]);
    if (known !== undefined) return known;
    const found = this.cache.getAt(enc, at + 1) ?? this.read(childHashAt(enc, at));
    kids[slot] = found.entry;
    return found;
  }

  /** A cache miss: the node decoded from its record, and cached (remembered by `child` if given). */
  private read(hash: Uint8Array, child?: HashedNode): ResolvedNode {
    const rlp = this.kv.get(this.keyOf(hash));
    if (rlp === undefined) throw new MissingTrieNodeError(hash);
    this.reads++;
    // The hash is mostly a view into the parent's record, and a committed parent's record sits in
    // one of the commit's 64 kB chunks (trie.ts RECORDS): held by the node and its slot, the view
    // kept that whole chunk alive while the node stayed cached (bench:exec --rss, a heap snapshot
    // at 9,000 blocks: 63 chunks, 3.9 MB, kept by 252 such hashes). A copy of its own instead:
    // 32 bytes, in V8's heap.
    const own = new Uint8Array(hash);
    const node = decodeNode(rlp, own);
    this.cache.set(own, node, child);
    return node;
  }

  /** Whether this store's Kv has the node (a root, say); asks the Kv, since a shared cache may hold nodes of another. */
  has(hash: Uint8Array): boolean {
    return this.kv.get(this.keyOf(hash)) !== undefined;
  }

  /** Writes a commit's nodes on their own (callers with other records to write put them in the same batch). */
  write(writes: readonly TrieWrite[]): void {
    this.kv.write(writes);
  }
}

export class MissingTrieNodeError extends Error {
  override name = "MissingTrieNodeError";
  constructor(readonly hash: Uint8Array) {
    super(`trie node ${hex(hash)} is not in the store`);
  }
}
