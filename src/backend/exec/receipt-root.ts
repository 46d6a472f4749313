import { rlpInt, rlpPrefixSize, writeRlpPrefix } from "../../tx/rlp.ts";
import { BLANK_ROOT } from "../state/trie/index.ts";
import { toNibbles } from "../state/trie/nibbles.ts";
import { EMPTY_CHILDREN, type ResolvedNode, type TrieNode, branch, extension, leaf } from "../state/trie/node.ts";
import { nodeHash } from "../state/trie/codec.ts";
import { encodeReceipt, type Receipt } from "./receipt.ts";

/**
 * core.py:mk_receipt_sha, a block's hash_evm_receipt_root: a plain (not secure) trie holding
 * rlp(receipt) under rlp(i). The block passes its transaction receipts first, then its deposit
 * receipts (run first but listed after).
 */
export function receiptRoot(receipts: readonly Receipt[]): Uint8Array {
  return encodedReceiptRoot(receipts.map(encodeReceipt));
}

/**
 * receiptRoot of receipts already encoded (a block encodes each once, for the root and the store).
 * All keys are known up front, so the trie's nodes are made once each from the sorted keys (the
 * canonical shape of a Patricia trie depends only on its keys) instead of by a put per receipt,
 * each copying its path; the trie's own encoding and hashing then give the root.
 */
export function encodedReceiptRoot(encoded: readonly Uint8Array[]): Uint8Array {
  if (encoded.length === 0) return BLANK_ROOT;
  const entries: Entry[] = encoded.map((value, i) => ({ path: toNibbles(indexKey(i)), value }));
  entries.sort((a, b) => comparePaths(a.path, b.path));
  return nodeHash(build(entries, 0, entries.length, 0));
}

interface Entry {
  readonly path: Uint8Array;
  readonly value: Uint8Array;
}

/** rlp(i): the receipt trie's key. */
function indexKey(i: number): Uint8Array {
  const n = rlpInt(i);
  if (n.length === 1 && n[0]! < 0x80) return n;
  const out = new Uint8Array(rlpPrefixSize(n.length) + n.length);
  out.set(n, writeRlpPrefix(out, 0, n.length, 0x80));
  return out;
}

function comparePaths(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The node holding entries [from, to) (sorted, distinct, no key a prefix of another: rlp(i) is
 * prefix-free), all sharing their first `depth` nibbles.
 */
function build(entries: readonly Entry[], from: number, to: number, depth: number): ResolvedNode {
  const first = entries[from]!;
  if (to - from === 1) return leaf(first.path.subarray(depth), first.value);
  // The nibbles all share beyond depth: those of the first and last (sorted) entries.
  const last = entries[to - 1]!.path;
  let shared = depth;
  while (shared < first.path.length && shared < last.length && first.path[shared] === last[shared]) shared++;
  if (shared > depth) return extension(first.path.subarray(depth, shared), build(entries, from, to, shared));
  const children: (TrieNode | undefined)[] = EMPTY_CHILDREN.slice();
  for (let i = from; i < to;) {
    const nibble = entries[i]!.path[depth]!;
    let j = i + 1;
    while (j < to && entries[j]!.path[depth] === nibble) j++;
    children[nibble] = build(entries, i, j, depth + 1);
    i = j;
  }
  return branch(children, undefined);
}
