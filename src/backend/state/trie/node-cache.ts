import { hex } from "../../../codec/bytes.ts";
import type { ResolvedNode } from "./node.ts";

/**
 * Decoded trie nodes by hash, least recently used first out. A node is a function of its
 * hash, so an entry is never stale, and one cache may serve every TrieNodeDb over the same
 * shard's records: a state opened per block at its parent's root then finds the hot paths
 * (the top levels, the accounts the last blocks touched) already decoded.
 *
 * Nodes come in from reads of a Kv, never from a commit. One read through a layer of records
 * not yet stored (a block being executed) may still land here; that is harmless, since a trie
 * only reaches a node from a root that refers to it, and a root's own records are stored with
 * it. Only the question "does the store have this root" must not be asked of the cache, and
 * TrieNodeDb.has does not.
 */
export class TrieNodeCache {
  private readonly map = new Map<string, ResolvedNode>();

  constructor(readonly capacity = 100_000) {}

  get size(): number {
    return this.map.size;
  }

  get(hash: Uint8Array): ResolvedNode | undefined {
    const id = hex(hash);
    const hit = this.map.get(id);
    if (hit !== undefined) {
      // Refresh its place: a Map iterates in insertion order, so the first key is the least recent.
      this.map.delete(id);
      this.map.set(id, hit);
    }
    return hit;
  }

  set(hash: Uint8Array, node: ResolvedNode): void {
    this.map.set(hex(hash), node);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}
