import type { Nibbles } from "./nibbles.ts";

/**
 * The in-memory nodes of a Merkle Patricia trie. A node never changes once made: an edit
 * builds new nodes along one path and shares every other subtree, so a copy of a trie is
 * its root pointer and older roots stay valid. What a node caches about itself (its RLP,
 * its hash, whether the store has it) is derived from its content, so filling it in later
 * is invisible to whoever shares the node. For the same reason a stored child may be swapped
 * for its hash (a HashedNode): the node cache does so when it admits a committed node.
 */

export const LEAF = 0;
export const EXTENSION = 1;
export const BRANCH = 2;
/** A child known only by its hash: read from the store when a walk reaches it. */
export const HASHED = 3;

interface Cached {
  /** RLP of the node if short (its parent embeds it) or read from the store; see codec.ts. */
  enc: Uint8Array | undefined;
  /** keccak256(enc), once computed (for a node referenced by hash, or a root). */
  hash: Uint8Array | undefined;
  /** The store has this node (read from it, or handed out by a commit): no need to write it again. */
  stored: boolean;
}

export interface LeafNode extends Cached {
  readonly kind: typeof LEAF;
  /** The rest of the key below the parent. */
  readonly path: Nibbles;
  readonly value: Uint8Array;
}

export interface ExtensionNode extends Cached {
  readonly kind: typeof EXTENSION;
  /** Non-empty; the child is a branch (or its hash). */
  readonly path: Nibbles;
  readonly child: TrieNode;
}

export interface BranchNode extends Cached {
  readonly kind: typeof BRANCH;
  /** 16 slots, one per next nibble. */
  readonly children: ReadonlyArray<TrieNode | undefined>;
  /** The value of the key that ends here. */
  readonly value: Uint8Array | undefined;
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

export const leaf = (path: Nibbles, value: Uint8Array, stored = false): LeafNode => ({
  kind: LEAF,
  path,
  value,
  enc: undefined,
  hash: undefined,
  stored,
});

export const extension = (path: Nibbles, child: TrieNode, stored = false): ExtensionNode => ({
  kind: EXTENSION,
  path,
  child,
  enc: undefined,
  hash: undefined,
  stored,
});

export const branch = (
  children: ReadonlyArray<TrieNode | undefined>,
  value: Uint8Array | undefined,
  stored = false,
): BranchNode => ({ kind: BRANCH, children, value, enc: undefined, hash: undefined, stored });

export const hashed = (hash: Uint8Array): HashedNode => ({ kind: HASHED, hash, cached: undefined });

export const EMPTY_CHILDREN: ReadonlyArray<TrieNode | undefined> = Array.from({ length: 16 }, () => undefined);
