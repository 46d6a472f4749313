/**
 * Paths in the trie are nibble arrays (one 4-bit value per byte), as in pyquarkchain's
 * quarkchain/evm/trie.py (bin_to_nibbles, pack_nibbles, unpack_to_nibbles).
 */

export type Nibbles = Uint8Array;

export const NO_NIBBLES: Nibbles = new Uint8Array(0);

export function toNibbles(key: Uint8Array): Nibbles {
  const out = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4;
    out[2 * i + 1] = key[i]! & 0x0f;
  }
  return out;
}

/** The i-th nibble of `key`'s bytes (high nibble first), without making its nibble array. */
export const nibbleAt = (key: Uint8Array, i: number): number => (key[i >> 1]! >> ((~i & 1) << 2)) & 0x0f;

/**
 * key's nibbles [from, to) as an array of their own. A path is kept by its node, and a small
 * array of its own stays on V8's heap: a view of the key's whole nibble array would move that
 * array off the heap (a malloc'd copy) the moment the view is made.
 */
export function keyNibbles(key: Uint8Array, from: number, to = key.length * 2): Nibbles {
  const out = new Uint8Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = nibbleAt(key, i);
  return out;
}

/** path[from, to) as an array of its own (not a view: see keyNibbles). */
export function sliceNibbles(path: Nibbles, from: number, to = path.length): Nibbles {
  const out = new Uint8Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = path[i]!;
  return out;
}

/** Length of the common prefix of `path` and key's nibbles from `from` on (the key's bytes, read in place). */
export function sharedWithKey(path: Nibbles, key: Uint8Array, from: number): number {
  const max = Math.min(path.length, key.length * 2 - from);
  let n = 0;
  while (n < max && path[n] === nibbleAt(key, from + n)) n++;
  return n;
}

/** The key bytes of an even-length nibble path (a full key always is). */
export function fromNibbles(nibbles: ArrayLike<number>, length = nibbles.length): Uint8Array {
  if (length % 2 !== 0) throw new Error(`a key has whole bytes: ${length} nibbles`);
  const out = new Uint8Array(length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!;
  return out;
}

/** Hex-prefix encoding (pack_nibbles): flag nibble (2 = leaf, +1 = odd length), padded to whole bytes. */
export function packPath(path: Nibbles, leaf: boolean): Uint8Array {
  const odd = path.length & 1;
  const out = new Uint8Array((path.length >> 1) + 1);
  let at: number;
  if (odd) {
    out[0] = (((leaf ? 2 : 0) + 1) << 4) | path[0]!;
    at = 1;
  } else {
    out[0] = (leaf ? 2 : 0) << 4;
    at = 0;
  }
  for (let i = 1; i < out.length; i++, at += 2) out[i] = (path[at]! << 4) | path[at + 1]!;
  return out;
}

/** Inverse of packPath (unpack_to_nibbles): the path and whether it ends a leaf; undefined if malformed. */
export function unpackPath(packed: Uint8Array): { path: Nibbles; leaf: boolean } | undefined {
  if (packed.length === 0) return undefined;
  const flag = packed[0]! >> 4;
  if (flag > 3) return undefined;
  const odd = flag & 1;
  if (!odd && (packed[0]! & 0x0f) !== 0) return undefined;
  const path = new Uint8Array((packed.length - 1) * 2 + odd);
  let at = 0;
  if (odd) path[at++] = packed[0]! & 0x0f;
  for (let i = 1; i < packed.length; i++) {
    path[at++] = packed[i]! >> 4;
    path[at++] = packed[i]! & 0x0f;
  }
  return { path, leaf: flag >= 2 };
}

export function concatNibbles(a: ArrayLike<number>, b: Nibbles): Nibbles {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
