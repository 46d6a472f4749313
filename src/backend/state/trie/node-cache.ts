import { nodeHash } from "./codec.ts";
import { hashKey, sameKey } from "./hash-key.ts";
import { BRANCH, EXTENSION, HASHED, type ResolvedNode, type TrieNode, branch, extension, hashed } from "./node.ts";

/** A child as its parent's record holds it: inline when under 32 bytes, else by hash. */
function asStored(child: TrieNode | undefined): TrieNode | undefined {
  if (child === undefined || child.kind === HASHED) return child;
  if (child.enc !== undefined && child.enc.length < 32) return child; // inline: small, and only inline below
  return hashed(child.hash ?? nodeHash(child));
}

/**
 * The node as a read of its record would give it: children by hash. A node a commit made points
 * at the nodes below it in memory, and those at theirs, down to the state's earlier blocks; kept
 * as is, one cached node would keep every node of its trie reachable.
 */
function detached(node: ResolvedNode): ResolvedNode {
  let made: ResolvedNode;
  if (node.kind === BRANCH) made = branch(node.children.map(asStored), node.value, true);
  else if (node.kind === EXTENSION) made = extension(node.path, asStored(node.child)!, true);
  else made = { ...node, stored: true };
  made.enc = node.enc !== undefined && node.enc.length < 32 ? node.enc : undefined;
  made.hash = node.hash;
  return made;
}

/** A cached node: in its bucket's chain (same four hash bytes) and in the recency ring. */
interface Slot {
  hash: Uint8Array;
  node: ResolvedNode | undefined;
  /** The next slot of the same bucket. */
  same: Slot | undefined;
  /** The ring, from the sentinel through the most recent slot (`next`) to the least recent. */
  prev: Slot;
  next: Slot;
}

/**
 * Decoded trie nodes by hash, least recently used first out. A node is a function of its
 * hash, so an entry is never stale, and one cache may serve every TrieNodeDb over the same
 * shard's records: a state opened per block at its parent's root then finds the hot paths
 * (the top levels, the accounts the last blocks touched) already decoded.
 *
 * Nodes come in from reads of a Kv, and from a commit once its records are stored (`admit`): the
 * nodes a block wrote are the ones the next block reads first (the root and the paths it changed).
 * One read through a layer of records not yet stored (a block being executed) may still land
 * here; that is harmless, since a trie only reaches a node from a root that refers to it, and a
 * root's own records are stored with it. Only the question "does the store have this root" must
 * not be asked of the cache, and TrieNodeDb.has does not.
 *
 * Lookups take no string: the Map's key is four of the hash's bytes (hash-key.ts), and recency is
 * a ring of the slots themselves, so a hit moves two links instead of deleting and re-adding a key.
 */
export class TrieNodeCache {
  private readonly map = new Map<number, Slot>();
  /** The ring's sentinel: its `next` is the most recent slot, its `prev` the least recent. */
  private readonly ring: Slot;
  private count = 0;

  /**
   * A decoded branch node takes 1.2 to 2.3 kB of RSS (its 16 children, their hashes, its record):
   * 25,000 nodes are some 30 to 60 MB, the paths of several full blocks. The store has them all.
   */
  constructor(readonly capacity = 25_000) {
    const ring = { hash: new Uint8Array(0), node: undefined, same: undefined } as unknown as Slot;
    ring.prev = ring.next = ring;
    this.ring = ring;
  }

  get size(): number {
    return this.count;
  }

  get(hash: Uint8Array): ResolvedNode | undefined {
    let s = this.map.get(hashKey(hash));
    while (s !== undefined && !sameKey(s.hash, hash)) s = s.same;
    if (s === undefined) return undefined;
    if (this.ring.next !== s) this.toFront(s);
    return s.node;
  }

  /** The nodes of a commit (TrieCommit.nodes, each hashed), once their records are stored. */
  admit(nodes: readonly ResolvedNode[]): void {
    for (const node of nodes) this.set(node.hash ?? nodeHash(node), detached(node));
  }

  set(hash: Uint8Array, node: ResolvedNode): void {
    const k = hashKey(hash);
    const first = this.map.get(k);
    for (let s = first; s !== undefined; s = s.same) {
      if (sameKey(s.hash, hash)) {
        s.node = node;
        if (this.ring.next !== s) this.toFront(s);
        return;
      }
    }
    const ring = this.ring;
    const slot: Slot = { hash, node, same: first, prev: ring, next: ring.next };
    ring.next.prev = slot;
    ring.next = slot;
    this.map.set(k, slot);
    if (++this.count > this.capacity) this.evict(ring.prev);
  }

  /** Makes `s` the most recent slot. */
  private toFront(s: Slot): void {
    s.prev.next = s.next;
    s.next.prev = s.prev;
    const ring = this.ring;
    s.prev = ring;
    s.next = ring.next;
    ring.next.prev = s;
    ring.next = s;
  }

  private evict(s: Slot): void {
    s.prev.next = s.next;
    s.next.prev = s.prev;
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
    this.count--;
  }
}
