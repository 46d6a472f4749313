import { keccak256 } from "../../../crypto/keccak.ts";
import { type RlpItem, rlpEncode } from "../../../tx/rlp.ts";

/**
 * Root hash of an Ethereum Merkle Patricia trie built from a complete set of entries
 * (pyquarkchain quarkchain/evm/trie.py): hex-prefix encoded paths, nodes whose RLP is
 * shorter than 32 bytes inlined in their parent, others referenced by keccak256, and
 * the root always hashed. The set is built in one pass, so no node store is needed.
 */

const EMPTY = new Uint8Array(0);
/** keccak256(rlp(b"")): the root of an empty trie. */
export const BLANK_ROOT = keccak256(rlpEncode(EMPTY));

function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  key.forEach((b, i) => {
    out[2 * i] = b >> 4;
    out[2 * i + 1] = b & 0x0f;
  });
  return out;
}

/** Hex-prefix encoding: flag nibble (2 = leaf, +1 = odd length), padded to whole bytes. */
function hexPrefix(nibbles: Uint8Array, leaf: boolean): Uint8Array {
  const odd = nibbles.length % 2;
  const all = [(leaf ? 2 : 0) + odd, ...(odd ? [] : [0]), ...nibbles];
  const out = new Uint8Array(all.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (all[2 * i]! << 4) | all[2 * i + 1]!;
  return out;
}

interface Entry {
  path: Uint8Array;
  value: Uint8Array;
}

/** How a child appears inside its parent: the node itself if small, else its hash. */
function reference(node: RlpItem): RlpItem {
  const encoded = rlpEncode(node);
  return encoded.length < 32 ? node : keccak256(encoded);
}

function commonPrefix(a: Uint8Array, b: Uint8Array, from: number): number {
  let n = from;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n - from;
}

/** The node for entries (sorted by path, sharing path[0, depth)). */
function build(entries: Entry[], depth: number): RlpItem {
  const first = entries[0]!;
  if (entries.length === 1) return [hexPrefix(first.path.subarray(depth), true), first.value];
  // Sorted, so the prefix shared by the first and last entries is shared by all.
  const shared = commonPrefix(first.path, entries[entries.length - 1]!.path, depth);
  if (shared > 0) {
    return [hexPrefix(first.path.subarray(depth, depth + shared), false), reference(build(entries, depth + shared))];
  }
  const branch: RlpItem[] = Array.from({ length: 17 }, () => EMPTY);
  for (let nibble = 0; nibble < 16; nibble++) {
    const group = entries.filter((e) => e.path.length > depth && e.path[depth] === nibble);
    if (group.length > 0) branch[nibble] = reference(build(group, depth + 1));
  }
  const ending = entries.find((e) => e.path.length === depth);
  if (ending) branch[16] = ending.value;
  return branch;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Root of the trie holding `entries` (keys distinct; empty values are absent entries, as in a trie). */
export function trieRoot(entries: Iterable<readonly [key: Uint8Array, value: Uint8Array]>): Uint8Array {
  const list = [...entries]
    .filter(([, v]) => v.length > 0)
    .map(([k, value]) => ({ path: toNibbles(k), value }))
    .sort((a, b) => compare(a.path, b.path));
  return list.length === 0 ? BLANK_ROOT : keccak256(rlpEncode(build(list, 0)));
}

/** A secure trie (securetrie.py): every key is replaced by its keccak256. */
export function secureTrieRoot(entries: Iterable<readonly [key: Uint8Array, value: Uint8Array]>): Uint8Array {
  return trieRoot([...entries].map(([k, v]) => [keccak256(k), v] as const));
}
