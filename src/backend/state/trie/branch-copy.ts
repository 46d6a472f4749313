import { unpackChildren } from "./decode.ts";
import { ALL_SLOTS, type BranchNode, EMPTY_CHILDREN, type Generation, type TrieNode, branch } from "./node.ts";

/**
 * Copy-on-write of a branch (node.ts: BranchNode.own, base). An edit that changes a branch of an
 * older generation makes a new one of its own generation; when the old one is packed (read from
 * a record: most of a trie, since every committed branch is packed by the node cache) the copy
 * takes only the slots the edit sets and reads the others from the old record, as the old branch
 * did. Unpacking all 16 slots instead (a HashedNode and a view of its hash per child) was most
 * of a commit's edit time and an eighth of what a block allocated; a block of 285 transfers
 * copies some 700 branches and changes one or two slots of most of them.
 */

/**
 * A new branch of `gen` with n's slots (none unpacked) and `value`. It reads the slots it does
 * not hold from the record n reads them from, so it shares n's memo of that record's children
 * (BranchNode.kids): the top of a trie, copied by every block, then looks no hash up either.
 */
export function copyOf(n: BranchNode, value: Uint8Array | undefined, gen: Generation): BranchNode {
  const children = n.children;
  if (children === undefined) return branch(EMPTY_CHILDREN.slice(), value, gen, 0, n.enc, n.kids);
  const own = n.own;
  if (own === ALL_SLOTS) return branch(children.slice(), value, gen);
  return branch(children.slice(), value, gen, own, n.base ?? n.enc, n.kids);
}

/** Sets slot `slot` of a branch of the editing trie's current generation (never packed: an edit made it). */
export function setSlot(n: BranchNode, slot: number, child: TrieNode | undefined): void {
  n.children![slot] = child;
  n.own |= 1 << slot;
}

/**
 * All 16 of n's children as an array of their own, the slots it does not hold unpacked from its
 * record (HashedNodes, inline nodes): for a deletion, which may collapse the branch and so must
 * see every slot.
 */
export function allChildren(n: BranchNode): Array<TrieNode | undefined> {
  const children = n.children;
  if (children === undefined) return unpackChildren(n.enc!);
  const own = n.own;
  if (own === ALL_SLOTS) return children.slice();
  const all = unpackChildren(n.base ?? n.enc!);
  for (let i = 0; i < 16; i++) if ((own >> i) & 1) all[i] = children[i];
  return all;
}

/** Makes a branch of the current generation hold all 16 slots itself; returns its children, to be changed in place. */
export function ownAll(n: BranchNode): Array<TrieNode | undefined> {
  if (n.own !== ALL_SLOTS) {
    n.children = allChildren(n);
    n.own = ALL_SLOTS;
    n.base = undefined;
    n.kids = undefined; // reads no record now: its RLP, once made, will have other slots
  }
  return n.children!;
}
