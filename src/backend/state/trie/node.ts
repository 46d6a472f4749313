import type { Nibbles } from "./nibbles.ts";

/**
 * The in-memory nodes of a Merkle Patricia trie. A node that anyone else may see never changes:
 * an edit builds new nodes along one path and shares every other subtree, so a copy of a trie is
 * its root pointer and older roots stay valid. What a node caches about itself (its RLP, its
 * hash, whether the store has it) is derived from its content, so filling it in later is
 * invisible to whoever shares the node. For the same reason a stored child may be swapped for
 * its hash (a HashedNode), or a branch's children for its RLP (a packed branch): the node cache
 * does so when it admits a committed node.
 *
 * The one exception is a node of its trie's current generation (`gen`, see Trie): made by an
 * edit since the trie last hashed, committed, copied or walked itself. Only that trie reaches it
 * (no copy, walk, cache or store has seen it) and it has no RLP or hash yet, so the next edits
 * change it in place instead of copying it (edit.ts): a block's ~350 account writes then build
 * the top of their paths once, not once per write. Every node above a current node is current
 * too (an edit rebuilds or changes the whole path), so no older node ever sees the change.
 */

export const LEAF = 0;
export const EXTENSION = 1;
export const BRANCH = 2;
/** A child known only by its hash: read from the store when a walk reaches it. */
export const HASHED = 3;

/** A trie's edit generation (Trie): compared by identity, never reused. */
export type Generation = object;

/** The generation of nodes no trie edits in place: read from a store, or built outside a Trie. */
export const FROZEN: Generation = Object.freeze({});

interface Cached {
  /** The generation that made the node; its trie may change it in place while that generation lasts. */
  gen: Generation;
  /** RLP of the node if short (its parent embeds it) or read from the store; see codec.ts. */
  enc: Uint8Array | undefined;
  /** keccak256(enc), once computed (for a node referenced by hash, or a root). */
  hash: Uint8Array | undefined;
  /** The store has this node (read from it, or handed out by a commit): no need to write it again. */
  stored: boolean;
  /**
   * The node cache's entry holding this node, if one did: a parent admitted after it points its
   * HashedNode for this child there at once (node-cache.ts), so the next block's walk through
   * the freshly committed top of the trie looks no hash up.
   */
  entry: CacheEntry | undefined;
}

// The fields below change only as the header says (a current node in edit.ts, a child swapped for its hash).
export interface LeafNode extends Cached {
  readonly kind: typeof LEAF;
  /** The rest of the key below the parent. */
  readonly path: Nibbles;
  value: Uint8Array;
}

export interface ExtensionNode extends Cached {
  readonly kind: typeof EXTENSION;
  /** Non-empty; the child is a branch (or its hash). */
  readonly path: Nibbles;
  child: TrieNode;
}

export interface BranchNode extends Cached {
  readonly kind: typeof BRANCH;
  /**
   * 16 slots, one per next nibble; an array of the node's own (never shared with another node).
   * Undefined when the node is packed: it came from a record (read from the store, or admitted
   * to the node cache after its commit) and its children are read from `enc` only when a walk
   * goes down a slot (TrieNodeDb.child). A branch held as 16 child objects, each with its hash
   * view, was ~1.5-2 kB of small objects that the scavenger copied and promoted; packed, it is
   * the node and its record's view. Packing is a change of form, not of content (see above).
   */
  children: Array<TrieNode | undefined> | undefined;
  /**
   * Which slots `children` holds (bit i: slot i), when it is defined; the others are read from a
   * record (`base`, else `enc`) as a packed branch's are. An edit that copies a packed branch
   * (edit.ts copyOf) sets the one slot it changes and takes the rest from the record it came
   * from: unpacking 16 slots into HashedNodes and views of their hashes, per copied branch, was
   * the largest cost of a commit's edits; encoding copies the untouched slots' bytes (codec.ts).
   */
  own: number;
  /**
   * The record the slots not `own` are read from while the node has none of its own (the RLP of
   * the branch it was copied from). Dropped once the node is encoded (Trie.commit's collect):
   * its own `enc` then holds the same slots, and the older record is not kept alive by it.
   */
  base: Uint8Array | undefined;
  /**
   * Of a packed branch near the top of its trie (read by every block): the node cache's entry of
   * each child found, as HashedNode.cached is (TrieNodeDb.child), so the next walk down the same
   * slot looks no hash up. Made on the first such walk; none deeper down (an array per node). Of a
   * copy, it is the memo of the record its other slots are read from (`base ?? enc`): shared with
   * the branch it was copied from, and forgotten when it drops `base`.
   */
  kids: Array<CacheEntry | undefined> | undefined;
  /** The value of the key that ends here. */
  value: Uint8Array | undefined;
}

export interface HashedNode {
  readonly kind: typeof HASHED;
  readonly hash: Uint8Array;
  /**
   * The node cache's entry this hash was last found in (node-cache.ts): the next resolve of this
   * same child goes straight to it while it holds the node, without looking the hash up.
   */
  cached: CacheEntry | undefined;
}

/** A TrieNodeCache's entry, as a HashedNode remembers it; emptied when the cache drops the node. */
export interface CacheEntry {
  readonly owner: object;
  node: ResolvedNode | undefined;
}

export type ResolvedNode = LeafNode | ExtensionNode | BranchNode;
export type TrieNode = ResolvedNode | HashedNode;

// One object shape per kind, whoever makes the node (reads of `kind`, `path` stay monomorphic enough).
export const leaf = (path: Nibbles, value: Uint8Array, gen = FROZEN): LeafNode => ({
  kind: LEAF,
  path,
  value,
  gen,
  enc: undefined,
  hash: undefined,
  stored: false,
  entry: undefined,
});

export const extension = (path: Nibbles, child: TrieNode, gen = FROZEN): ExtensionNode => ({
  kind: EXTENSION,
  path,
  child,
  gen,
  enc: undefined,
  hash: undefined,
  stored: false,
  entry: undefined,
});

/** BranchNode.own of a branch whose `children` holds all 16 slots. */
export const ALL_SLOTS = 0xffff;

/**
 * `children`: 16 slots the node takes as its own (a fresh array, not another node's); none:
 * packed, `enc` to be set. `own` and `base`: which of them it holds, the rest read from `base`
 * (`kids`: the memo of that record's children, BranchNode.kids).
 */
export const branch = (
  children: Array<TrieNode | undefined> | undefined,
  value: Uint8Array | undefined,
  gen = FROZEN,
  own = ALL_SLOTS,
  base: Uint8Array | undefined = undefined,
  kids: Array<CacheEntry | undefined> | undefined = undefined,
): BranchNode => ({
  kind: BRANCH,
  children,
  own,
  base,
  kids,
  value,
  gen,
  enc: undefined,
  hash: undefined,
  stored: false,
  entry: undefined,
});

export const hashed = (hash: Uint8Array): HashedNode => ({ kind: HASHED, hash, cached: undefined });

/** Packed branches fewer nibbles deep than this remember their children's cache entries (BranchNode.kids): 273 at most a trie. */
export const MEMO_DEPTH = 3;

export const EMPTY_CHILDREN: ReadonlyArray<TrieNode | undefined> = Array.from({ length: 16 }, () => undefined);
