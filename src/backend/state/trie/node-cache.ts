import { hex } from "../../../codec/bytes.ts";
import { nodeHash } from "./codec.ts";
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
 */
export class TrieNodeCache {
  private readonly map = new Map<string, ResolvedNode>();

  /**
   * A decoded branch node takes 1.2 to 2.3 kB of RSS (its 16 children, their hashes, its record):
   * 25,000 nodes are some 30 to 60 MB, the paths of several full blocks. The store has them all.
   */
  constructor(readonly capacity = 25_000) {}

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

  /** The nodes of a commit (TrieCommit.nodes, each hashed), once their records are stored. */
  admit(nodes: readonly ResolvedNode[]): void {
    for (const node of nodes) this.set(node.hash ?? nodeHash(node), detached(node));
  }

  set(hash: Uint8Array, node: ResolvedNode): void {
    this.map.set(hex(hash), node);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}
