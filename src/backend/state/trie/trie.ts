import { sameBytes } from "../../../codec/bytes.ts";
import { keccak256, keccak256To } from "../../../crypto/keccak.ts";
import { Arena } from "../../../codec/arena.ts";
import { nodeHash, nodeRlp } from "./codec.ts";
import { insert, remove } from "./edit.ts";
import { nibbleAt, toNibbles } from "./nibbles.ts";
import { TrieNodeDb, type TrieWrite } from "./node-db.ts";
import {
  BRANCH,
  EXTENSION,
  type Generation,
  MEMO_DEPTH,
  HASHED,
  LEAF,
  type ResolvedNode,
  type TrieNode,
} from "./node.ts";
import { type TrieEntry, walk } from "./walk.ts";

/** keccak256(rlp(b"")): the root of an empty trie (trie.py BLANK_ROOT). */
export const BLANK_ROOT: Uint8Array = keccak256(Uint8Array.of(0x80));

/**
 * What a commit produced: the root, the new nodes to write to the Kv in the same batch as the
 * block, and those nodes themselves (each with its hash), for a TrieNodeCache to admit once the
 * batch is stored (TrieNodeCache.admit).
 */
export interface TrieCommit {
  root: Uint8Array;
  writes: TrieWrite[];
  nodes: ResolvedNode[];
}

/** Where every commit's records and their keys are written (codec/arena.ts): the keys apart, since cached nodes keep theirs. */
const RECORDS = new Arena(64 * 1024);
const KEYS = new Arena(16 * 1024);

/**
 * New nodes below `node` (children first), each marked stored once handed out. Records go into
 * `arena` and their keys into `keys` (a view each, not an array each), and a node's hash is
 * written straight into its key (no digest array) and becomes a view of it: the nodes outlive
 * the block in the node cache, and a view there takes half the heap of a hash array of its own.
 */
function collect(node: ResolvedNode, out: TrieCommit, arena: Arena, keys: Arena): void {
  if (node.kind === BRANCH) {
    // A packed branch came from a record, as did a copy's slots it does not hold: nothing new there.
    const children = node.children;
    const own = children === undefined ? 0 : node.own;
    for (let i = 0; i < 16; i++) {
      if (((own >> i) & 1) === 0) continue;
      const child = children![i];
      if (child !== undefined && child.kind !== HASHED && !child.stored) collect(child, out, arena, keys);
    }
  } else if (node.kind === EXTENSION) {
    const child = node.child;
    if (child.kind !== HASHED && !child.stored) collect(child, out, arena, keys);
  }
  const rlp = nodeRlp(node, arena);
  // A node under 32 bytes lives inside its parent's RLP and has no record of its own.
  if (rlp.length >= 32) {
    const key = keys.take(KEY_LENGTH);
    key[0] = PREFIX_0;
    key[1] = PREFIX_1;
    const hash = node.hash;
    if (hash === undefined) keccak256To(key, 2, rlp);
    else for (let i = 0; i < 32; i++) key[2 + i] = hash[i]!; // hashed by an earlier root()
    node.hash = new Uint8Array(key.buffer, key.byteOffset + 2, 32);
    out.writes.push([key, rlp]);
    out.nodes.push(node);
    // A branch keeps its record: admitted to the node cache, it is packed (node.ts) and read from there.
    if (node.kind === BRANCH) node.enc = rlp;
  }
  // Its own RLP has every slot now: the record it was copied from (node.ts) need not be kept,
  // nor the memo of that record's children (BranchNode.kids), some of which this one replaced.
  if (node.kind === BRANCH && node.base !== undefined) {
    node.base = undefined;
    node.kids = undefined;
  }
  node.stored = true;
}

/** TrieNodeDb.keyOf's layout: the prefix "tn" and the 32-byte hash. */
const KEY_LENGTH = TrieNodeDb.PREFIX.length + 32;
const PREFIX_0 = TrieNodeDb.PREFIX[0]!;
const PREFIX_1 = TrieNodeDb.PREFIX[1]!;

/**
 * A Merkle Patricia trie over a TrieNodeDb (pyquarkchain quarkchain/evm/trie.py), synchronous
 * and persistent: edits build new nodes in memory along the key's path; root() hashes only
 * those; commit() hands them out as Kv records. A block therefore costs in proportion to the
 * keys it changes, and a copy (or a Trie opened at an older root) shares every node.
 *
 * Edits change the nodes made since the trie last hashed, committed, copied or walked itself in
 * place (its generation, node.ts): each of those begins a new generation, after which the nodes
 * may be shared and are never changed again.
 *
 * Keys are any byte strings (the receipt trie's are rlp(i)); values are non-empty, since an
 * absent key and an empty value are the same thing to a reader (trie.py `get` answers b""
 * for both). pyquarkchain's own callers never store an empty value: State.commit,
 * Account.commit and TokenBalances.commit delete instead (evm/state.py).
 */
export class Trie {
  private node: TrieNode | undefined;
  /** Nodes of this generation are this trie's alone, unhashed: edits change them in place. */
  private gen: Generation = {};

  /** The trie at `root` (BLANK_ROOT: empty); throws MissingTrieNodeError if the store lacks it. */
  constructor(
    readonly db: TrieNodeDb,
    root: Uint8Array = BLANK_ROOT,
  ) {
    if (root.length !== 32) throw new Error(`a trie root is 32 bytes, not ${root.length}`);
    this.node = sameBytes(root, BLANK_ROOT) ? undefined : db.load(root);
  }

  /** The value under `key`; reads the key's nibbles in place (no path is built for a read). */
  get(key: Uint8Array): Uint8Array | undefined {
    const end = key.length * 2;
    let at = 0;
    let node = this.node;
    while (node !== undefined) {
      const n = this.db.resolve(node);
      if (n.kind === BRANCH) {
        if (at === end) return n.value;
        node = this.db.child(n, nibbleAt(key, at), at < MEMO_DEPTH);
        at++;
        continue;
      }
      const path = n.path;
      if (path.length > end - at) return undefined;
      for (let i = 0; i < path.length; i++) if (path[i] !== nibbleAt(key, at + i)) return undefined;
      at += path.length;
      if (n.kind === LEAF) return at === end ? n.value : undefined;
      node = n.child;
    }
    return undefined;
  }

  /** Sets key to value; an empty value deletes the key. */
  put(key: Uint8Array, value: Uint8Array): void {
    if (value.length === 0) this.delete(key);
    else this.node = insert(this.db, this.node, key, 0, value, this.gen);
  }

  delete(key: Uint8Array): void {
    this.node = remove(this.db, this.node, key, 0, this.gen);
  }

  /** Ends the generation: the nodes made so far are about to be hashed or shared, and stay as they are. */
  private freeze(): void {
    this.gen = {};
  }

  isEmpty(): boolean {
    return this.node === undefined;
  }

  /** The root hash: hashes the nodes made since they were last hashed, no others. */
  root(): Uint8Array {
    const node = this.node;
    if (node === undefined) return BLANK_ROOT;
    this.freeze();
    return node.kind === HASHED ? node.hash : nodeHash(node);
  }

  /**
   * The root and the nodes made since the last commit, as Kv records. The caller must write
   * them (in the block's batch) before this trie, or a copy of it, is committed again: the
   * nodes are marked stored now, and would otherwise be missing under a later root.
   */
  commit(): TrieCommit {
    this.freeze();
    const node = this.node;
    if (node === undefined) return { root: BLANK_ROOT, writes: [], nodes: [] };
    if (node.kind === HASHED) return { root: node.hash, writes: [], nodes: [] };
    const out: TrieCommit = { root: BLANK_ROOT, writes: [], nodes: [] };
    if (!node.stored) collect(node, out, RECORDS, KEYS);
    out.root = nodeHash(node);
    // The root is stored by hash whatever its size (trie.py _update_root_hash), so it can be reopened.
    // A short node keeps its RLP (codec.ts); a long one was written by collect.
    const short = node.enc !== undefined && node.enc.length < 32 ? node.enc : undefined;
    if (short !== undefined) {
      out.writes.push([this.db.keyOf(out.root), short]);
      out.nodes.push(node);
    }
    return out;
  }

  /** An independent trie with the same content; costs nothing (nodes are shared, never changed). */
  copy(): Trie {
    this.freeze();
    const twin = new Trie(this.db);
    twin.node = this.node;
    return twin;
  }

  /**
   * Entries with key ≥ from (every entry without one), in ascending key order. A walk sees the
   * trie as it was when the walk began (nodes never change), even if the trie is edited meanwhile.
   */
  entries(from?: Uint8Array): Generator<TrieEntry> {
    this.freeze();
    return walk(this.db, this.node, from === undefined ? undefined : toNibbles(from), true);
  }

  /** Entries with key ≤ from (every entry without one), in descending key order. */
  entriesDescending(from?: Uint8Array): Generator<TrieEntry> {
    this.freeze();
    return walk(this.db, this.node, from === undefined ? undefined : toNibbles(from), false);
  }

  /** The first entry with key > `key` (trie.py `next`, which GET_TOTAL_BALANCE pages with). */
  next(key: Uint8Array): TrieEntry | undefined {
    for (const entry of this.entries(key)) if (!sameBytes(entry[0], key)) return entry;
    return undefined;
  }

  /** The last entry with key < `key` (trie.py `prev`). */
  prev(key: Uint8Array): TrieEntry | undefined {
    for (const entry of this.entriesDescending(key)) if (!sameBytes(entry[0], key)) return entry;
    return undefined;
  }
}
