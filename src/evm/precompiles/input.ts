/**
 * Reading a precompile's input the way pyquarkchain's vm.py:CallData does: words and slices past the end
 * of the data read as zeros, and offsets can be as large as a 256-bit length word (so they are bigints).
 */

/** The 32-byte big-endian word at `offset`, zero-padded past the end (vm.py:CallData.extract32). */
export function inputWord(input: Uint8Array, offset: number | bigint): bigint {
  const off = typeof offset === "bigint" ? offset : BigInt(offset);
  if (off >= BigInt(input.length)) return 0n;
  const start = Number(off);
  let w = 0n;
  for (let i = 0; i < 32; i++) w = (w << 8n) | BigInt(input[start + i] ?? 0);
  return w;
}

/** `length` bytes from `offset`, zero-padded past the end (vm.py:CallData.extract_copy). */
export function inputSlice(input: Uint8Array, offset: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (offset < BigInt(input.length)) {
    const start = Number(offset);
    out.set(input.subarray(start, Math.min(start + length, input.length)));
  }
  return out;
}

/** Big-endian unsigned integer of a byte string. */
export function bytesToBigint(b: Uint8Array): bigint {
  let n = 0n;
  // Eight bytes at a time: a 4 KiB modexp operand is 512 steps instead of 4096.
  let i = 0;
  for (; i + 8 <= b.length; i += 8) {
    let chunk = 0n;
    for (let j = 0; j < 8; j++) chunk = (chunk << 8n) | BigInt(b[i + j]!);
    n = (n << 64n) | chunk;
  }
  for (; i < b.length; i++) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** `n` as exactly `length` big-endian bytes (n must fit; utils.zpad(int_to_big_endian(n), length)). */
export function bigintToBytes(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0 && n > 0n; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** Number of 32-byte words covering `length` bytes (utils.ceil32(size) // 32). */
export const wordCount = (length: number): number => Math.ceil(length / 32);
