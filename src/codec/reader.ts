import { DecodeError } from "./errors.ts";

const TWO_32 = 2 ** 32;

function truncated(): DecodeError {
  return new DecodeError("truncated", "buffer is shorter than expected");
}

/**
 * A cursor over one payload. Reads never copy: byte fields are views of the input,
 * which is why a payload buffer must not be reused after it is decoded.
 *
 * The fixed-width reads are written out byte by byte (one bounds check each, no
 * Buffer method and its own argument checks), and integers are built as numbers
 * first: a bigint is made once, from a number, whenever the value fits in 53 bits.
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(input: Uint8Array, start = 0, end = input.length) {
    this.buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (this.end - this.pos < n) throw truncated();
  }

  u8(): number {
    const p = this.pos;
    if (p >= this.end) throw truncated();
    this.pos = p + 1;
    return this.buf[p]!;
  }

  u16(): number {
    const p = this.pos;
    if (this.end - p < 2) throw truncated();
    this.pos = p + 2;
    const b = this.buf;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(): number {
    const p = this.pos;
    if (this.end - p < 4) throw truncated();
    this.pos = p + 4;
    const b = this.buf;
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  u64(): bigint {
    const p = this.pos;
    if (this.end - p < 8) throw truncated();
    this.pos = p + 8;
    const b = this.buf;
    const hi = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    const lo = b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
    // Below 2^53 the number is exact: one bigint, made from it.
    return hi < 0x200000 ? BigInt(hi * TWO_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** An unsigned big-endian integer of `size` bytes, any size. */
  uintBig(size: number): bigint {
    const start = this.pos;
    if (this.end - start < size) throw truncated();
    const b = this.buf;
    const end = start + size;
    this.pos = end;
    // Leading zero bytes carry nothing (a bloom, a small amount in 32 bytes): skip them.
    let p = start;
    while (p < end && b[p] === 0) p++;
    const n = end - p;
    if (n <= 8) return upTo8(b, p, end);
    // Up to 16 bytes: two 64-bit halves (about twice as fast as parsing hex); beyond, hex.
    if (n <= 16) return (upTo8(b, p, end - 8) << 64n) | upTo8(b, end - 8, end);
    return BigInt("0x" + b.toString("hex", p, end));
  }

  bytes(n: number): Buffer {
    const p = this.pos;
    if (this.end - p < n) throw truncated();
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }
}

/** b[p, end), at most 8 bytes, as a bigint: made from one number when the value fits in 53 bits. */
function upTo8(b: Buffer, p: number, end: number): bigint {
  if (end - p <= 4) {
    let x = 0;
    for (; p < end; p++) x = x * 256 + b[p]!;
    return BigInt(x);
  }
  let hi = 0;
  for (; p < end - 4; p++) hi = hi * 256 + b[p]!;
  const lo = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  return hi < 0x200000 ? BigInt(hi * TWO_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}
