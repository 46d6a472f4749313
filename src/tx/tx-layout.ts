/**
 * The well-formed EVM transaction read in one pass: where each of its 15 items lies in the signed
 * bytes. Only strict, canonical RLP of the shape decodeEvmTransaction accepts is read here; anything
 * else (a list item, a non-canonical length, a wrong field size, a leading zero, trailing bytes) is
 * left to the generic decoder, which refuses it with pyquarkchain's message. So a transaction read
 * here is exactly what the generic path reads, and its fields' encodings are exactly what encoding
 * its values gives back: hash_unsigned's preimage is a window on the signed bytes (no re-encoding).
 */

/** Where the items lie: item i's payload is raw[starts[i] .. ends[i]], its encoding from heads[i]. */
export interface TxLayout {
  readonly raw: Uint8Array;
  readonly heads: Uint32Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
}

const ITEMS = 15;
/** Sizes a field must have: -1 any, -2 0 or 20 (to), else exact (the shard keys). */
const SIZE = [-1, -1, -1, -2, -1, -1, -1, 4, 4, -1, -1, -1, -1, -1, -1];
/** The integer fields (BigEndianInt: no leading zero byte). */
const INT = [true, true, true, false, true, false, true, false, false, true, true, true, true, true, true];

/** The long-form length at raw[at+1 .. at+1+ll], or -1 when it is not canonical (left to the generic path). */
function longLength(raw: Uint8Array, at: number, ll: number): number {
  if (at + 1 + ll > raw.length || raw[at + 1] === 0 || ll > 4) return -1;
  let n = 0;
  for (let i = 1; i <= ll; i++) n = n * 256 + raw[at + i]!;
  return n < 56 ? -1 : n;
}

/** The layout of a well-formed transaction, or undefined for the generic decoder to judge. */
export function txLayout(raw: Uint8Array): TxLayout | undefined {
  const b0 = raw[0];
  if (b0 === undefined || b0 < 0xc0) return undefined;
  let pos: number;
  let listEnd: number;
  if (b0 < 0xf8) {
    pos = 1;
    listEnd = 1 + b0 - 0xc0;
  } else {
    const n = longLength(raw, 0, b0 - 0xf7);
    if (n < 0) return undefined;
    pos = 1 + b0 - 0xf7;
    listEnd = pos + n;
  }
  if (listEnd !== raw.length) return undefined;
  const heads = new Uint32Array(ITEMS);
  const starts = new Uint32Array(ITEMS);
  const ends = new Uint32Array(ITEMS);
  for (let i = 0; i < ITEMS; i++) {
    if (pos >= listEnd) return undefined;
    const b = raw[pos]!;
    heads[i] = pos;
    let start: number;
    let end: number;
    if (b < 0x80) {
      start = pos;
      end = pos + 1;
    } else if (b < 0xb8) {
      start = pos + 1;
      end = start + b - 0x80;
      if (b === 0x81 && start < listEnd && raw[start]! < 0x80) return undefined;
    } else if (b < 0xc0) {
      const n = longLength(raw, pos, b - 0xb7);
      if (n < 0) return undefined;
      start = pos + 1 + b - 0xb7;
      end = start + n;
    } else {
      return undefined; // a list where a field is
    }
    if (end > listEnd) return undefined;
    const size = end - start;
    const want = SIZE[i]!;
    if (want === -2 ? size !== 0 && size !== 20 : want >= 0 && size !== want) return undefined;
    if (INT[i] && size > 0 && raw[start] === 0) return undefined;
    starts[i] = start;
    ends[i] = end;
    pos = end;
  }
  return pos === listEnd ? { raw, heads, starts, ends } : undefined;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** The big-endian unsigned integer at raw[start..end] (empty is 0). */
export function intAt(raw: Uint8Array, start: number, end: number): bigint {
  if (end - start <= 6) {
    let x = 0;
    for (let i = start; i < end; i++) x = x * 256 + raw[i]!;
    return BigInt(x);
  }
  let h = "0x";
  for (let i = start; i < end; i++) h += HEX[raw[i]!]!;
  return BigInt(h);
}

/** The 4-byte shard key at raw[start..start+4]. */
export const uint32At = (raw: Uint8Array, start: number): number =>
  ((raw[start]! << 24) | (raw[start + 1]! << 16) | (raw[start + 2]! << 8) | raw[start + 3]!) >>> 0;
