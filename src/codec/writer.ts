import { EncodeError } from "./errors.ts";

const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
const maxOfSize = new Map<number, bigint>(); // 2^(8 * size) - 1, by size

function maxFor(size: number): bigint {
  let max = maxOfSize.get(size);
  if (max === undefined) maxOfSize.set(size, (max = (1n << BigInt(size * 8)) - 1n));
  return max;
}

/**
 * A growable output buffer. Frames reserve their header in the same buffer as the
 * payload, so a whole frame leaves as one contiguous Buffer with no concatenation.
 *
 * Fixed-width writes store bytes directly (no Buffer method re-validating its
 * arguments), and bigint words go through a DataView: the common u64 and u256 values
 * (ids, heights, times, amounts) never go through hex or bigint arithmetic.
 */
export class Writer {
  buf: Buffer;
  pos = 0;
  /** A view of `buf` for word stores, made on the first one (and again after a grow). */
  private view: DataView | undefined;
  private viewOf: Buffer | undefined;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private grow(n: number): void {
    let size = Math.max(this.buf.length * 2, 64);
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  u8(v: number): void {
    if (typeof v !== "number" || (v & 0xff) !== v) throw overflow(v, 1);
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    if (typeof v !== "number" || (v & 0xffff) !== v) throw overflow(v, 2);
    if (this.pos + 2 > this.buf.length) this.grow(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
  }

  u32(v: number): void {
    if (typeof v !== "number" || v >>> 0 !== v) throw overflow(v, 4);
    if (this.pos + 4 > this.buf.length) this.grow(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  u64(v: bigint): void {
    if (typeof v !== "bigint" || v < 0n || v > U64_MAX) throw overflow(v, 8);
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.dataView().setBigUint64(this.pos, v);
    this.pos += 8;
  }

  /** The low `size` bytes (at most 6) of a non-negative integer number, big-endian; the caller checked the range. */
  uintNumber(n: number, size: number): void {
    if (this.pos + size > this.buf.length) this.grow(size);
    const b = this.buf;
    const p = this.pos;
    for (let i = size - 1; i >= 0; i--) {
      b[p + i] = n & 0xff;
      n = Math.floor(n / 256);
    }
    this.pos = p + size;
  }

  /** An unsigned big-endian integer in exactly `size` bytes. */
  uintBig(v: bigint, size: number): void {
    // The common case first, with the fewest checks: a u64 or wider holding a small value.
    const small = typeof v === "bigint" && v >= 0n && v <= U64_MAX && size >= 8;
    if (!small && (typeof v !== "bigint" || v < 0n || v > maxFor(size))) throw overflow(v, size);
    if (this.pos + size > this.buf.length) this.grow(size);
    const p = this.pos;
    this.pos = p + size;
    // Words through V8's DataView (zeros four bytes at a time, a u64 from the bigint as is):
    // about twice as fast as byte stores and number arithmetic for a uint256.
    const view = this.dataView();
    if (small) {
      this.zeros(view, p, p + size - 8);
      view.setBigUint64(p + size - 8, v);
      return;
    }
    if (v <= U128_MAX && size >= 16) {
      this.zeros(view, p, p + size - 16);
      view.setBigUint64(p + size - 16, v >> 64n);
      view.setBigUint64(p + size - 8, BigInt.asUintN(64, v));
      return;
    }
    const hex = v.toString(16);
    const start = p + size - ((hex.length + 1) >> 1);
    this.buf.fill(0, p, start);
    this.buf.write(hex.length & 1 ? "0" + hex : hex, start, "hex");
  }

  /** buf[from, to) = 0. */
  private zeros(view: DataView, from: number, to: number): void {
    if (to - from > 40) {
      this.buf.fill(0, from, to); // a native fill pays off for long runs (a 256-byte bloom)
      return;
    }
    let i = from;
    for (; i + 4 <= to; i += 4) view.setUint32(i, 0);
    for (; i < to; i++) this.buf[i] = 0;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  /** The bytes written so far, as a view (no copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * A view of `buf` for word stores, made once per buffer. A grown buffer may be another
   * slice of the same pool ArrayBuffer, so the Buffer is compared, not its ArrayBuffer.
   */
  private dataView(): DataView {
    const b = this.buf;
    if (this.viewOf !== b) {
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.viewOf = b;
    }
    return this.view!;
  }
}

function overflow(v: unknown, size: number): EncodeError {
  const negative = (typeof v === "number" || typeof v === "bigint") && v < 0;
  return new EncodeError(
    "overflow",
    negative
      ? `can't convert negative int to unsigned (${String(v)})`
      : `int too big to convert: ${String(v)} in ${size} bytes`,
  );
}
