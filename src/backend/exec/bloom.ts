import { keccak256 } from "../../crypto/keccak.ts";

/** A 2048-bit log bloom as 256 big-endian bytes (the receipt's and the header's `bloom`). */
export type Bloom = Uint8Array;

export const emptyBloom = (): Bloom => new Uint8Array(256);

/**
 * bloom.py:bloom_insert: three bits, each the low 11 bits of one of the first three
 * big-endian 16-bit words of keccak(value). Bit i of the 2048-bit integer is bit (i & 7) of
 * byte 255 - (i >> 3).
 */
export function bloomInsert(bloom: Bloom, value: Uint8Array): Bloom {
  const h = keccak256(value);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
    bloom[255 - (bit >> 3)]! |= 1 << (bit & 7);
  }
  return bloom;
}

/** In place: `into |= other` (the header bloom is the OR of its receipts' blooms). */
export function bloomOr(into: Bloom, other: Bloom): Bloom {
  for (let i = 0; i < 256; i++) into[i]! |= other[i]!;
  return into;
}
