import { sameBytes } from "../../../codec/bytes.ts";
import { NO_NIBBLES, type Nibbles, concatNibbles, sharedLength } from "./nibbles.ts";
import type { TrieNodeDb } from "./node-db.ts";
import {
  BRANCH,
  EMPTY_CHILDREN,
  EXTENSION,
  LEAF,
  type ResolvedNode,
  type TrieNode,
  branch,
  extension,
  leaf,
} from "./node.ts";

/**
 * Insertion and deletion as pure functions from a node to a new node: only the nodes on the
 * key's path are rebuilt, every other subtree is shared, and an edit that changes nothing
 * returns the very node it was given (so a no-op write leaves the trie clean). The shapes
 * are the canonical ones of trie.py (_update_kv_node, _delete_kv_node,
 * _normalize_branch_node): the same set of keys always gives the same nodes and root.
 */

function split(
  path: Nibbles,
  shared: number,
  existing: (rest: Nibbles) => TrieNode,
  existingValue: Uint8Array | undefined,
  key: Nibbles,
  at: number,
  value: Uint8Array,
): ResolvedNode {
  const children = EMPTY_CHILDREN.slice();
  let here: Uint8Array | undefined;
  if (shared === path.length) here = existingValue;
  else children[path[shared]!] = existing(path.subarray(shared + 1));
  if (at + shared === key.length) here = value;
  else children[key[at + shared]!] = leaf(key.subarray(at + shared + 1), value);
  const fork = branch(children, here);
  return shared > 0 ? extension(path.subarray(0, shared), fork) : fork;
}

/** `node` with key[at..] set to value (non-empty). */
export function insert(
  db: TrieNodeDb,
  node: TrieNode | undefined,
  key: Nibbles,
  at: number,
  value: Uint8Array,
): TrieNode {
  if (node === undefined) return leaf(key.subarray(at), value);
  const n = db.resolve(node);
  if (n.kind === BRANCH) {
    if (at === key.length) {
      return n.value !== undefined && sameBytes(n.value, value) ? node : branch(n.children, value);
    }
    const slot = key[at]!;
    const old = n.children[slot];
    const updated = insert(db, old, key, at + 1, value);
    if (updated === old) return node;
    const children = n.children.slice();
    children[slot] = updated;
    return branch(children, n.value);
  }
  const shared = sharedLength(n.path, key, at);
  if (n.kind === LEAF) {
    if (shared === n.path.length && at + shared === key.length) {
      return sameBytes(n.value, value) ? node : leaf(n.path, value);
    }
    return split(n.path, shared, (rest) => leaf(rest, n.value), n.value, key, at, value);
  }
  if (shared === n.path.length) {
    const updated = insert(db, n.child, key, at + shared, value);
    return updated === n.child ? node : extension(n.path, updated);
  }
  // An extension's path is never empty, so the old child always takes a slot, never the value.
  const below = (rest: Nibbles) => (rest.length === 0 ? n.child : extension(rest, n.child));
  return split(n.path, shared, below, undefined, key, at, value);
}

/** `child` hung below `path`: a leaf or extension absorbs the path, a branch gets an extension above it. */
function prefixed(db: TrieNodeDb, path: Nibbles, child: TrieNode): ResolvedNode {
  const c = db.resolve(child);
  if (c.kind === LEAF) return leaf(concatNibbles(path, c.path), c.value);
  if (c.kind === EXTENSION) return extension(concatNibbles(path, c.path), c.child);
  return extension(path, child);
}

/** A branch that lost an entry: kept if two remain, else collapsed into what is left. */
function normalize(
  db: TrieNodeDb,
  children: ReadonlyArray<TrieNode | undefined>,
  value: Uint8Array | undefined,
): TrieNode | undefined {
  let only = -1;
  let count = value === undefined ? 0 : 1;
  for (let i = 0; i < 16; i++) {
    if (children[i] !== undefined) {
      only = i;
      count++;
    }
  }
  if (count >= 2) return branch(children, value);
  if (value !== undefined) return leaf(NO_NIBBLES, value);
  return only < 0 ? undefined : prefixed(db, Uint8Array.of(only), children[only]!);
}

/** `node` without key[at..]; the same node if the key is absent. */
export function remove(db: TrieNodeDb, node: TrieNode | undefined, key: Nibbles, at: number): TrieNode | undefined {
  if (node === undefined) return undefined;
  const n = db.resolve(node);
  if (n.kind === BRANCH) {
    if (at === key.length) return n.value === undefined ? node : normalize(db, n.children, undefined);
    const slot = key[at]!;
    const old = n.children[slot];
    const updated = remove(db, old, key, at + 1);
    if (updated === old) return node;
    const children = n.children.slice();
    children[slot] = updated;
    return updated === undefined ? normalize(db, children, n.value) : branch(children, n.value);
  }
  const shared = sharedLength(n.path, key, at);
  if (n.kind === LEAF) return shared === n.path.length && at + shared === key.length ? undefined : node;
  if (shared < n.path.length) return node;
  const updated = remove(db, n.child, key, at + shared);
  if (updated === n.child) return node;
  return updated === undefined ? undefined : prefixed(db, n.path, updated);
}
