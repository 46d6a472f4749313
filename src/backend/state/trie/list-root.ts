import { nodeHash } from "./codec.ts";
import { type Nibbles, sliceNibbles } from "./nibbles.ts";
import { EMPTY_CHILDREN, type ResolvedNode, branch, extension, leaf } from "./node.ts";
import { BLANK_ROOT } from "./trie.ts";

/**
 * The root of the trie holding values[i] under rlp(i): a block's receipt trie (core.py
 * mk_receipt_sha) in one pass, without a Trie. The keys' byte order is known in advance
 * (rlp(1..127) are the bytes 0x01..0x7f, then rlp(0) = 0x80, then 0x81 xx, 0x82 xx xx, ...), so
 * the nodes are built from the sorted list directly, each once, and hashed once: no path is
 * copied per insertion, no node store or cache is made. A trie's shape is a function of its
 * keys, so the root is the one a Trie would give (test/state/trie-list-root.test.ts).
 */
export function listRoot(values: readonly Uint8Array[]): Uint8Array {
  const n = values.length;
  if (n === 0) return BLANK_ROOT;
  const paths: Nibbles[] = new Array(n);
  const sorted: Uint8Array[] = new Array(n);
  let at = 0;
  const add = (i: number) => {
    paths[at] = indexPath(i);
    sorted[at++] = values[i]!;
  };
  for (let i = 1; i < Math.min(n, 0x80); i++) add(i);
  add(0);
  for (let i = 0x80; i < n; i++) add(i);
  return nodeHash(sortedNode(paths, sorted, 0, n, 0));
}

/** rlp(i)'s nibbles: a byte under 0x80 is itself, 0 is 0x80, anything else 0x80 + its length, then its bytes. */
function indexPath(i: number): Nibbles {
  if (i > 0 && i < 0x80) return Uint8Array.of(i >> 4, i & 0x0f);
  if (i === 0) return Uint8Array.of(8, 0);
  let length = 0;
  for (let v = i; v > 0; v = Math.floor(v / 256)) length++;
  const path = new Uint8Array(2 + 2 * length);
  path[0] = 8;
  path[1] = length;
  for (let k = 0, v = i; k < length; k++, v = Math.floor(v / 256)) {
    const byte = v % 256;
    path[2 * (length - k)] = byte >> 4;
    path[2 * (length - k) + 1] = byte & 0x0f;
  }
  return path;
}

/**
 * The node holding entries [lo, hi) (two or more, or one) of `paths`, sorted and none a prefix of
 * another except as a branch's value, below the first `depth` nibbles they share.
 */
function sortedNode(paths: Nibbles[], values: Uint8Array[], lo: number, hi: number, depth: number): ResolvedNode {
  const first = paths[lo]!;
  if (hi - lo === 1) return leaf(sliceNibbles(first, depth), values[lo]!);
  // Sorted: what the first and last share, all share.
  const last = paths[hi - 1]!;
  let shared = depth;
  while (shared < first.length && shared < last.length && first[shared] === last[shared]) shared++;
  if (shared > depth) return extension(sliceNibbles(first, depth, shared), sortedNode(paths, values, lo, hi, shared));
  const children = EMPTY_CHILDREN.slice();
  let value: Uint8Array | undefined;
  let i = lo;
  // A key ending here sorts first, and is the branch's value.
  if (first.length === depth) value = values[i++];
  while (i < hi) {
    const nibble = paths[i]![depth]!;
    let j = i + 1;
    while (j < hi && paths[j]![depth] === nibble) j++;
    children[nibble] = sortedNode(paths, values, i, j, depth + 1);
    i = j;
  }
  return branch(children, value);
}
