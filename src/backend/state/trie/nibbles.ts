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

/** Length of the common prefix of a and b[from..]. */
export function sharedLength(a: Nibbles, b: Nibbles, from: number): number {
  const max = Math.min(a.length, b.length - from);
  let n = 0;
  while (n < max && a[n] === b[from + n]) n++;
  return n;
}

export function concatNibbles(a: ArrayLike<number>, b: Nibbles): Nibbles {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
