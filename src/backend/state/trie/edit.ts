import { sameBytes } from "../../../codec/bytes.ts";
import {
  NO_NIBBLES,
  type Nibbles,
  concatNibbles,
  keyNibbles,
  nibbleAt,
  sharedWithKey,
  sliceNibbles,
} from "./nibbles.ts";
import { allChildren, copyOf, ownAll, setSlot } from "./branch-copy.ts";
import type { TrieNodeDb } from "./node-db.ts";
import {
  BRANCH,
  EMPTY_CHILDREN,
  EXTENSION,
  type ExtensionNode,
  type Generation,
  LEAF,
  type LeafNode,
  MEMO_DEPTH,
  type ResolvedNode,
  type TrieNode,
  branch,
  extension,
  leaf,
} from "./node.ts";

/**
 * Insertion and deletion along one key's path, every other subtree shared; an edit that changes
 * nothing returns the very node it was given (so a no-op write leaves the trie clean). A node of
 * the editing trie's current generation `gen` is changed in place (node.ts says why that is
 * safe), any other is rebuilt as a new node of that generation. The shapes are the canonical
 * ones of trie.py (_update_kv_node, _delete_kv_node, _normalize_branch_node): the same set of
 * keys always gives the same nodes and root.
 *
 * A key is its bytes and a position in it a nibble index (nibbleAt), so a write makes no nibble
 * array of the whole key: a new leaf's path is the key's remaining nibbles, in an array of its own.
 */

/**
 * The leaf or extension `n` (whose path shares `shared` nibbles with the key from `at`) split
 * where the key leaves it: a branch there, holding what is left of `n` and a new leaf for the
 * key, under an extension for the shared nibbles if any.
 */
function split(
  n: LeafNode | ExtensionNode,
  shared: number,
  key: Uint8Array,
  at: number,
  value: Uint8Array,
  gen: Generation,
): ResolvedNode {
  const path = n.path;
  const children = EMPTY_CHILDREN.slice();
  let here: Uint8Array | undefined;
  if (shared === path.length) here = n.kind === LEAF ? n.value : undefined;
  else children[path[shared]!] = below(n, sliceNibbles(path, shared + 1), gen);
  if (at + shared === key.length * 2) here = value;
  else children[nibbleAt(key, at + shared)] = leaf(keyNibbles(key, at + shared + 1), value, gen);
  const fork = branch(children, here, gen);
  return shared > 0 ? extension(sliceNibbles(path, 0, shared), fork, gen) : fork;
}

/**
 * What is left of `n` below the split's branch, `rest` being its path's nibbles after the slot:
 * a leaf with the rest of the path; an extension's child itself (an extension's path is never
 * empty, so its old child always takes a slot, never the value), or under a shorter extension.
 */
function below(n: LeafNode | ExtensionNode, rest: Nibbles, gen: Generation): TrieNode {
  if (n.kind === LEAF) return leaf(rest, n.value, gen);
  return rest.length === 0 ? n.child : extension(rest, n.child, gen);
}

/** `node` with the key's nibbles [at..] set to value (non-empty). */
export function insert(
  db: TrieNodeDb,
  node: TrieNode | undefined,
  key: Uint8Array,
  at: number,
  value: Uint8Array,
  gen: Generation,
): TrieNode {
  if (node === undefined) return leaf(keyNibbles(key, at), value, gen);
  const n = db.resolve(node);
  const mine = n.gen === gen;
  if (n.kind === BRANCH) {
    if (at === key.length * 2) {
      if (n.value !== undefined && sameBytes(n.value, value)) return node;
      if (!mine) return copyOf(n, value, gen);
      n.value = value;
      return n;
    }
    const slot = nibbleAt(key, at);
    const old = db.child(n, slot, at < MEMO_DEPTH);
    const updated = insert(db, old, key, at + 1, value, gen);
    if (updated === old) return node; // unchanged, or changed in place (then so is this node)
    const b = mine ? n : copyOf(n, n.value, gen); // a current node is one an edit made: never packed
    setSlot(b, slot, updated);
    return b;
  }
  const shared = sharedWithKey(n.path, key, at);
  if (n.kind === LEAF) {
    if (shared === n.path.length && at + shared === key.length * 2) {
      if (sameBytes(n.value, value)) return node;
      if (!mine) return leaf(n.path, value, gen);
      n.value = value;
      return n;
    }
    return split(n, shared, key, at, value, gen);
  }
  if (shared === n.path.length) {
    const updated = insert(db, n.child, key, at + shared, value, gen);
    if (updated === n.child) return node;
    if (!mine) return extension(n.path, updated, gen);
    n.child = updated;
    return n;
  }
  return split(n, shared, key, at, value, gen);
}

/** `child` hung below `path`: a leaf or extension absorbs the path, a branch gets an extension above it. */
function prefixed(db: TrieNodeDb, path: Nibbles, child: TrieNode, gen: Generation): ResolvedNode {
  const c = db.resolve(child);
  if (c.kind === LEAF) return leaf(concatNibbles(path, c.path), c.value, gen);
  if (c.kind === EXTENSION) return extension(concatNibbles(path, c.path), c.child, gen);
  return extension(path, child, gen);
}

/**
 * A branch that lost an entry, `children` all 16 of its slots (n's own array, ownAll, when n is
 * current): kept if two remain, else collapsed into what is left.
 */
function normalize(
  db: TrieNodeDb,
  n: ResolvedNode,
  children: Array<TrieNode | undefined>,
  value: Uint8Array | undefined,
  gen: Generation,
): TrieNode | undefined {
  let only = -1;
  let count = value === undefined ? 0 : 1;
  for (let i = 0; i < 16; i++) {
    if (children[i] !== undefined) {
      only = i;
      count++;
    }
  }
  if (count >= 2) {
    if (n.gen !== gen || n.kind !== BRANCH) return branch(children, value, gen);
    n.value = value; // children is n's own array, already changed
    return n;
  }
  if (value !== undefined) return leaf(NO_NIBBLES, value, gen);
  return only < 0 ? undefined : prefixed(db, Uint8Array.of(only), children[only]!, gen);
}

/** `node` without the key's nibbles [at..]; the same node if the key is absent. */
export function remove(
  db: TrieNodeDb,
  node: TrieNode | undefined,
  key: Uint8Array,
  at: number,
  gen: Generation,
): TrieNode | undefined {
  if (node === undefined) return undefined;
  const n = db.resolve(node);
  const mine = n.gen === gen;
  if (n.kind === BRANCH) {
    if (at === key.length * 2) {
      return n.value === undefined ? node : normalize(db, n, mine ? ownAll(n) : allChildren(n), undefined, gen);
    }
    const slot = nibbleAt(key, at);
    const old = db.child(n, slot, at < MEMO_DEPTH);
    const updated = remove(db, old, key, at + 1, gen);
    if (updated === old) return node;
    if (updated !== undefined) {
      // The slot still holds something: the branch keeps its shape, only that slot changes.
      const b = mine ? n : copyOf(n, n.value, gen);
      setSlot(b, slot, updated);
      return b;
    }
    // The slot emptied: the branch may collapse, which needs every slot at hand.
    const children = mine ? ownAll(n) : allChildren(n);
    children[slot] = undefined;
    return normalize(db, n, children, n.value, gen);
  }
  const shared = sharedWithKey(n.path, key, at);
  if (n.kind === LEAF) return shared === n.path.length && at + shared === key.length * 2 ? undefined : node;
  if (shared < n.path.length) return node;
  const updated = remove(db, n.child, key, at + shared, gen);
  if (updated === n.child) return node;
  return updated === undefined ? undefined : prefixed(db, n.path, updated, gen);
}
