import { nodeHash } from "./codec.ts";
import { hashKey, sameKey, sameKeyAt } from "./hash-key.ts";
import {
  BRANCH,
  type CacheEntry,
  EXTENSION,
  HASHED,
  type HashedNode,
  LEAF,
  type ResolvedNode,
  type TrieNode,
  hashed,
} from "./node.ts";

/** A child as its parent's record holds it: inline when under 32 bytes, else by hash. */
function asStored(child: TrieNode | undefined): TrieNode | undefined {
  if (child === undefined || child.kind === HASHED) return child;
  if (child.enc !== undefined && child.enc.length < 32) return child; // inline: small, and only inline below
  const h = hashed(child.hash ?? nodeHash(child));
  h.cached = child.entry; // checked on use (TrieNodeCache.resolve): another cache's, or emptied since, it just misses
  return h;
}

/**
 * Makes a committed node what a read of its record would give: a branch packed (its RLP, kept by
 * the commit, in place of its children: node.ts), an extension's child by hash. A node a commit
 * made points at the nodes below it in memory, and those at theirs, down to the state's earlier
 * blocks; cached as is, one node would keep every node of its trie reachable. The node is changed
 * in place rather than copied (a copy per admitted node, with its 16 slots, was most of what a
 * block's commit left on the heap): a child and its hash are the same content (node.ts), and
 * every child is in the store by now (admit runs once the commit's records are), so whoever else
 * holds the node (the state it was committed from) reads the child from there.
 */
function detach(node: ResolvedNode): void {
  if (node.kind === BRANCH) {
    const children = node.children;
    if (children === undefined) return;
    // Packed (node.ts): its record is its children, read from there by the walks that go down.
    if (node.enc !== undefined) {
      node.children = undefined;
      return;
    }
    for (let i = 0; i < 16; i++) {
      const c = children[i];
      if (c !== undefined && c.kind !== HASHED) children[i] = asStored(c);
    }
  } else if (node.kind === EXTENSION && node.child.kind !== HASHED) {
    (node as { child: TrieNode }).child = asStored(node.child)!;
  }
}

/** A cached node, in its bucket's chain (same four hash bytes) and in the clock's ring of slots. */
interface Slot extends CacheEntry {
  hash: Uint8Array;
  /** The next slot of the same bucket. */
  same: Slot | undefined;
  /** Read since the clock's hand last passed. */
  used: boolean;
}

const NO_HASH = new Uint8Array(0);

/**
 * Decoded trie nodes by hash, the least recently used going first (approximately: a clock). A
 * node is a function of its hash, so an entry is never stale, and one cache may serve every
 * TrieNodeDb over the same shard's records: a state opened per block at its parent's root then
 * finds the hot paths (the top levels, the accounts the last blocks touched) already decoded.
 *
 * Nodes come in from reads of a Kv, and from a commit once its records are stored (`admit`): the
 * nodes a block wrote are the ones the next block reads first (the root and the paths it changed).
 * One read through a layer of records not yet stored (a block being executed) may still land
 * here; that is harmless, since a trie only reaches a node from a root that refers to it, and a
 * root's own records are stored with it. Only the question "does the store have this root" must
 * not be asked of the cache, and TrieNodeDb.has does not.
 *
 * A lookup builds no string: the Map's key is four of the hash's bytes (hash-key.ts), the slot
 * keeps the whole hash to compare. A HashedNode found here remembers its slot (`cached`), so the
 * cached parents' children, the top of every path, are resolved with no lookup at all; a dropped
 * slot is emptied, and the memo then misses. Recency is a clock (second chance): a hit sets one
 * flag on the slot it already holds, and when the cache is full the hand passes over the slots,
 * clearing flags, to the first one not used since its last pass.
 */
export class TrieNodeCache {
  private readonly map = new Map<number, Slot>();
  /** The clock's ring: every slot, the hand's next candidate at `hand`. */
  private readonly slots: Slot[] = [];
  private hand = 0;
  /**
   * Leaves read from the store, apart and first in first out, `leafCapacity` of them: a block
   * reads an account's (or slot's) leaf, then reads it again when its commit writes it, and
   * rarely after that (of (a)'s leaves 17% were read in a later block). Held by the clock, each
   * lived some 20 blocks: long enough to be copied by the scavenger and promoted, then collected
   * by a mark-compact. Here a leaf lives about a block or two and mostly dies young.
   */
  private readonly leaves: Slot[] = [];
  private leafHand = 0;

  /**
   * A packed branch (node.ts) takes some 0.3 kB of heap with its record's view and its slot, and
   * its record outside it (up to 532 bytes); 25,000 nodes are the paths of several full blocks.
   */
  constructor(
    readonly capacity = 25_000,
    readonly leafCapacity = 256,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`a node cache holds 1 node or more, not ${capacity}`);
    if (!Number.isInteger(leafCapacity) || leafCapacity < 1)
      throw new RangeError(`a node cache holds 1 leaf or more, not ${leafCapacity}`);
  }

  /** Nodes held, leaves included. */
  get size(): number {
    return this.slots.length + this.leaves.length;
  }

  get(hash: Uint8Array): ResolvedNode | undefined {
    const s = this.find(hash);
    if (s === undefined) return undefined;
    s.used = true;
    return s.node;
  }

  /** The node whose hash is bytes[at, at + 32) (a packed branch's child), if cached here; `read`: marked used. */
  getAt(bytes: Uint8Array, at: number, read = true): ResolvedNode | undefined {
    let s = this.map.get(hashKey(bytes, at));
    while (s !== undefined && !sameKeyAt(s.hash, bytes, at)) s = s.same;
    if (s === undefined) return undefined;
    if (read) s.used = true;
    return s.node;
  }

  /** The node of an entry remembered (BranchNode.kids), if it is this cache's and still holds it. */
  recall(entry: CacheEntry | undefined): ResolvedNode | undefined {
    const s = entry as Slot | undefined;
    if (s === undefined || s.owner !== this || s.node === undefined) return undefined;
    s.used = true;
    return s.node;
  }

  /** The node of a child known by hash, if cached here; the child remembers where. */
  resolve(child: HashedNode): ResolvedNode | undefined {
    let s = child.cached as Slot | undefined;
    if (s === undefined || s.owner !== this || s.node === undefined) {
      s = this.find(child.hash);
      if (s === undefined) return undefined;
      child.cached = s;
    }
    s.used = true;
    return s.node;
  }

  /**
   * The branches and extensions of a commit (TrieCommit.nodes, each hashed), once their records
   * are stored; its leaves stay in the store. A block's leaves are the accounts (and slots) it
   * wrote, about half of what it commits, and most are not written again before the clock drops
   * them: of (a)'s admitted leaves 17% were read again (120 blocks), against 90% of the branches
   * (the top of every path is read by every block). An admitted node lives some 20 blocks, so each
   * one kept is copied by the scavenger and promoted; a leaf read again is just read from the store.
   */
  admit(nodes: readonly ResolvedNode[]): void {
    for (const node of nodes) {
      if (node.kind === LEAF) continue;
      detach(node);
      this.set(node.hash ?? nodeHash(node), node);
    }
  }

  set(hash: Uint8Array, node: ResolvedNode, child?: HashedNode): void {
    const k = hashKey(hash);
    const first = this.map.get(k);
    for (let s = first; s !== undefined; s = s.same) {
      if (sameKey(s.hash, hash)) {
        s.node = node;
        s.used = true;
        node.entry = s;
        if (child !== undefined) child.cached = s;
        return;
      }
    }
    const slot: Slot = { owner: this, node, hash, same: first, used: false };
    node.entry = slot;
    this.map.set(k, slot);
    if (child !== undefined) child.cached = slot;
    if (node.kind === LEAF) return this.keepLeaf(slot);
    if (this.slots.length < this.capacity) {
      this.slots.push(slot);
      return;
    }
    const slots = this.slots;
    let victim = slots[this.hand]!;
    while (victim.used) {
      victim.used = false;
      this.hand = this.hand + 1 === slots.length ? 0 : this.hand + 1;
      victim = slots[this.hand]!;
    }
    this.drop(victim);
    slots[this.hand] = slot;
    this.hand = this.hand + 1 === slots.length ? 0 : this.hand + 1;
  }

  /** A leaf's slot into the leaves' ring, the oldest leaf dropped when it is full. */
  private keepLeaf(slot: Slot): void {
    const leaves = this.leaves;
    if (leaves.length < this.leafCapacity) {
      leaves.push(slot);
      return;
    }
    this.drop(leaves[this.leafHand]!);
    leaves[this.leafHand] = slot;
    this.leafHand = this.leafHand + 1 === leaves.length ? 0 : this.leafHand + 1;
  }

  private find(hash: Uint8Array): Slot | undefined {
    let s = this.map.get(hashKey(hash));
    while (s !== undefined && !sameKey(s.hash, hash)) s = s.same;
    return s;
  }

  /** Takes the slot out of its bucket and empties it (a HashedNode may still remember it). */
  private drop(s: Slot): void {
    const k = hashKey(s.hash);
    const first = this.map.get(k)!;
    if (first === s) {
      if (s.same === undefined) this.map.delete(k);
      else this.map.set(k, s.same);
    } else {
      let before = first;
      while (before.same !== s) before = before.same!;
      before.same = s.same;
    }
    s.node = undefined;
    s.hash = NO_HASH;
    s.same = undefined;
  }
}
