/**
 * Big-endian integers as the state stores them: utils.encode_int32's 32-byte words (trie keys),
 * utils.big_endian_to_int, and the minimal bytes rlp writes for an integer, without hex string
 * round trips (account-rlp.ts builds its encodings on these).
 */

const WORD_LIMIT = 1n << 256n;
/** 2^48: below it an integer's bytes are a double's arithmetic, no bigint operation. */
const SMALL_LIMIT = 0x1000000000000n;
const U64_LIMIT = 1n << 64n;
/** One 32-byte scratch word (a DataView over a fresh small array would make V8 move it off its heap per call). */
const scratch = new DataView(new ArrayBuffer(32));
const scratchBytes = new Uint8Array(scratch.buffer);

/**
 * utils.encode_int32: a 32-byte big-endian word (storage slots and token ids as trie keys), without
 * the hex string round trip (a slot is read and written per SLOAD/SSTORE).
 */
export function word32(v: bigint): Uint8Array {
  if (v < 0n || v >= WORD_LIMIT) throw new RangeError(`${v} does not fit 32 bytes`);
  const out = new Uint8Array(32);
  if (v < SMALL_LIMIT) {
    for (let n = Number(v), i = 31; n > 0; i--, n = Math.floor(n / 256)) out[i] = n % 256;
    return out;
  }
  scratch.setBigUint64(24, BigInt.asUintN(64, v));
  scratch.setBigUint64(16, BigInt.asUintN(64, v >> 64n));
  scratch.setBigUint64(8, BigInt.asUintN(64, v >> 128n));
  scratch.setBigUint64(0, v >> 192n);
  out.set(scratchBytes);
  return out;
}

/** utils.big_endian_to_int: lenient (leading zeros allowed), as for trie values; six bytes at a time. */
export function bytesInt(b: Uint8Array): bigint {
  const n = b.length;
  let i = n % 6;
  let head = 0;
  for (let j = 0; j < i; j++) head = head * 256 + b[j]!;
  if (n <= 6) return BigInt(n === 6 ? sixBytes(b, 0) : head);
  let r = BigInt(head);
  for (; i < n; i += 6) r = (r << 48n) | BigInt(sixBytes(b, i));
  return r;
}

function sixBytes(b: Uint8Array, i: number): number {
  return (
    ((b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!) * 0x1000000 + ((b[i + 3]! << 16) | (b[i + 4]! << 8) | b[i + 5]!)
  );
}

/** The minimal big-endian bytes of a non-negative integer (rlp's big_endian_int), into `out` at `at`; returns the end. */
export function writeInt(v: bigint, out: Uint8Array, at: number, size: number): number {
  if (v < SMALL_LIMIT) {
    for (let n = Number(v), i = at + size - 1; i >= at; i--, n = Math.floor(n / 256)) out[i] = n % 256;
    return at + size;
  }
  if (v < U64_LIMIT) {
    // a balance in wei: the scratch word's last 8 bytes, no bigint made
    scratch.setBigUint64(24, v);
    for (let j = 0; j < size; j++) out[at + j] = scratchBytes[32 - size + j]!;
    return at + size;
  }
  for (let i = at + size - 1; i >= at; i -= 6, v >>= 48n) {
    let n = Number(BigInt.asUintN(48, v));
    for (let j = i; j > i - 6 && j >= at; j--, n = Math.floor(n / 256)) out[j] = n % 256;
  }
  return at + size;
}

/** How many bytes the minimal big-endian form of `v` takes (0 for 0). */
export function intSize(v: bigint): number {
  if (v >= SMALL_LIMIT && v < U64_LIMIT) {
    scratch.setBigUint64(24, v);
    let i = 24;
    while (scratchBytes[i] === 0) i++;
    return 32 - i;
  }
  let size = 0;
  for (; v >= SMALL_LIMIT; v >>= 48n) size += 6;
  for (let n = Number(v); n > 0; n = Math.floor(n / 256)) size++;
  return size;
}
